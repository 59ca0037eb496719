/** Labels and colours shared by the views. */

export function humanize(code: string): string {
  const text = code.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export const KIND_LABEL: Record<string, string> = {
  booking: 'Booking', inquiry: 'Inquiry', client: 'Client', model: 'Model', task: 'Task', exception: 'Exception',
};

export const KIND_PLURAL: Record<string, string> = {
  booking: 'Bookings', inquiry: 'Inquiries', client: 'Clients', model: 'Models', task: 'Tasks', exception: 'Exceptions',
};
