// One-way dependencies between top-level folders (shared/style.md, "Dependencies") and no cycles.
const layer = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  from: { path: `^${from}/` },
  to: { path: `^(common|ring|cluster|storage-node|proxy|block|compute-glue|tools|bench|test)/`, pathNot: `^(${[from, ...allowed].join('|')})/` },
});
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('common', []),
    layer('ring', ['common']),
    layer('cluster', ['common', 'ring']),
    layer('storage-node', ['common', 'ring', 'cluster']),
    layer('proxy', ['common', 'ring', 'cluster']),
    layer('block', ['common', 'ring', 'cluster']),
    layer('compute-glue', ['common']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^node_modules/|\\.test\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
