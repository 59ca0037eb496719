/** Every operation of the API, by area, for the role × operation matrix (one line per area). */
import type { MatrixOperation } from '../support/role-matrix.ts';
import { INQUIRY_OPERATIONS } from './inquiries.ts';

export const ALL_OPERATIONS: MatrixOperation[] = [
  ...INQUIRY_OPERATIONS,
];
