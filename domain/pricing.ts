/**
 * The price of a booking from the call rates (seed §6.3 call_rates: per location and duration;
 * issue 14 item 6), used when a booking is created from an inquiry without a price. A rate of
 * the booking's location beats a general one (location_id null); of those, the rate for exactly
 * the booked duration, else the shortest rate that covers it. Pure: the rates are read by the caller.
 */
export interface CallRateFacts {
  readonly id: string;
  readonly locationId: string | null;
  readonly durationMinutes: number;
  /** Decimal string, e.g. "550.00". */
  readonly price: string;
  readonly currency: string;
}

export interface RatedPrice {
  readonly priceTotal: string;
  readonly currency: string;
  readonly rateId: string;
  /** How it was chosen, for the booking's audit entry. */
  readonly basis: string;
}

export function priceFromRates(rates: readonly CallRateFacts[], locationId: string, durationMinutes: number): RatedPrice | undefined {
  for (const pool of [rates.filter((r) => r.locationId === locationId), rates.filter((r) => r.locationId === null)]) {
    const covering = pool.filter((r) => r.durationMinutes >= durationMinutes).sort((a, b) => a.durationMinutes - b.durationMinutes);
    const rate = covering[0];
    if (rate) {
      const where = rate.locationId ? 'the location' : 'all locations';
      const basis = rate.durationMinutes === durationMinutes
        ? `call rate for ${rate.durationMinutes} min at ${where}`
        : `call rate for ${rate.durationMinutes} min at ${where} (covers ${durationMinutes} min)`;
      return { priceTotal: Number(rate.price).toFixed(2), currency: rate.currency, rateId: rate.id, basis };
    }
  }
  return undefined;
}
