// widget.*: what every visitor downloads. gzip -9 sizes of the built tracker (w.js) and form
// chunk (w-form.js) against the budgets of widget/size.test.ts (DESIGN.md → Widget).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { measure, type Scenario } from './scenario.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = `${ROOT}dist/widget/`;
export const WIDGET_BUDGETS = [
  { name: 'widget.tracker-gzip', file: 'w.js', maxGzipBytes: 1536 },
  { name: 'widget.form-gzip', file: 'w-form.js', maxGzipBytes: 8192 },
];

export const widgetScenario: Scenario = {
  name: 'widget',
  async run(ctx) {
    ctx.log('widget: building the widget (npm run build:widget)');
    execFileSync('npm', ['run', '--silent', 'build:widget'], { cwd: ROOT, stdio: 'ignore' });
    return WIDGET_BUDGETS.map(({ name, file, maxGzipBytes }) => {
      if (!existsSync(DIST + file)) throw new Error(`bench: ${DIST}${file} is missing after the build`);
      const size = gzipSync(readFileSync(DIST + file), { level: 9 }).length;
      return measure({ name, metric: `${file} gzip -9 size (budget ${maxGzipBytes} B)`, value: size, unit: 'B', target: { on: 'value', op: '<=', threshold: maxGzipBytes } });
    });
  },
};
