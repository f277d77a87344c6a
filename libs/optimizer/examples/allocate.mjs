// The smallest use of the package as an ES module: two connectors under a site under a grid
// connection, over two quarter-hours. After `npm run build:optimizer`: node examples/allocate.mjs
import { allocate } from '@gridflex/optimizer';

const blocks = [
  { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:15:00Z' },
  { start: '2026-01-01T00:15:00Z', end: '2026-01-01T00:30:00Z' },
];
const nodes = [
  // Per block, the amperes each grid phase may carry: the DSO lowers the grid connection to 16 A in the second.
  {
    id: 'grid',
    parentId: null,
    limitsA: [
      [50, 50, 50],
      [16, 16, 16],
    ],
  },
  {
    id: 'site',
    parentId: 'grid',
    limitsA: [
      [40, 40, 40],
      [40, 40, 40],
    ],
  },
];
const connectors = [
  {
    id: 'a',
    nodeId: 'site',
    phases: 3,
    minCurrentA: 0,
    maxCurrentA: 32,
    active: true,
    precedence: 0,
    priority: 3,
  },
  { id: 'b', nodeId: 'site', phases: 1, minCurrentA: 0, maxCurrentA: 32, active: true, precedence: 1 },
];

const { allocations } = allocate({ blocks, nodes, connectors });
console.log(JSON.stringify(allocations));
