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
