/** Action Center and unified search for the role × operation matrix (reads: they change nothing). */
import type { MatrixOperation } from '../support/role-matrix.ts';

export const ACTION_CENTER_OPERATIONS: MatrixOperation[] = [
  {
    field: 'Query.actionCenter', permission: 'action_center.read',
    document: '{ actionCenter(first: 5) { counts { total completedToday } groups { name totalCount items { id quickActions { kind } } } } }',
  },
  {
    field: 'Query.actionItems', permission: 'action_center.read',
    document: '{ actionItems(group: URGENT, first: 5) { totalCount edges { node { id } } } }',
  },
  {
    field: 'Query.overview', permission: 'escalations.manage',
    document: '{ overview(days: 7) { openWork { group slaState count } slaBreachesPerDay { day count } inquiriesBySource { source converted } } }',
  },
  // Any signed-in user may search; each kind needs its own read permission and is otherwise absent
  // (test/search.test.ts proves the per-kind rules and masking).
  { field: 'Query.search', permission: null, document: '{ search(text: "james") { groups { kind count } } }' },
];
