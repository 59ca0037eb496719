/**
 * PII masking (seed §2): operators and read-only users see masked phones and emails, as the
 * seed's Action Center shows them: "+447700***123" and "ja***@example.com".
 */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return phone ?? null;
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length <= 6) return '*'.repeat(digits.length);
  // Keep the country and area prefix (at most 7 characters) and the last 3 digits.
  const keep = Math.min(7, digits.length - 6);
  return `${digits.slice(0, keep)}***${digits.slice(-3)}`;
}

export function maskEmail(email: string | null | undefined): string | null {
  if (!email) return email ?? null;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email.slice(0, Math.min(2, at))}***${email.slice(at)}`;
}

/**
 * Keys of JSON payloads (timelines, audit entries, events) that hold PII or money. Viewers without
 * pii.read see PII masked; viewers without payments.read (operators among them) never see an
 * amount: a payment's `amount`, a refund's, a price, a deposit or a payment status is left out.
 */
export const PII_KEY = /(email|phone)/i;
export const FINANCE_KEY = /(price|amount|deposit_?required|depositRequired|deposit_?status|payment_?status)/i;

const EMAIL_IN_TEXT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
// International (+…) or national (0…) numbers; not dates, times or ids.
const PHONE_IN_TEXT = /(?<![\w-])(?:\+\d[\d ()-]{7,}\d|0\d{9,10})(?![\w-])/g;

/**
 * Free text that may quote a contact (an error message, a note from a system): every email and
 * phone number in it masked as the fields are.
 */
export function maskContactsInText(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email) ?? '***').replace(PHONE_IN_TEXT, (phone) => maskPhone(phone) ?? '***');
}
