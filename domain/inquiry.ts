/** Inquiry vocabulary beyond its status: where leads come from and how urgent they are. */
export const INQUIRY_SOURCES = ['web', 'telegram', 'whatsapp', 'phone', 'partner'] as const;
export type InquirySource = (typeof INQUIRY_SOURCES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * The business key of an inquiry's lifecycle. An inquiry delivered twice by its channel
 * (same source + external ref) maps to the same workflow, so it is created once.
 */
export function inquiryWorkflowId(input: { source: InquirySource; externalRef?: string | null; id: string }): string {
  return input.externalRef ? `inquiry:${input.source}:${input.externalRef}` : `inquiry:${input.id}`;
}

/**
 * The deposit of a booking converted from an inquiry: the one the conversion names, else the one
 * the inquiry asked of the client (its depositAmount), so the amount agreed is not lost.
 */
export function convertedDeposit(requested: string | null | undefined, inquiryDeposit: string | null | undefined): string | undefined {
  return requested ?? inquiryDeposit ?? undefined;
}
