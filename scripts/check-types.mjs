// Fails unless React and Vue apps type-check against the built package (run after `npm run
// build`: `rerun-video`, `rerun-video/react` and `rerun-video/vue` resolve to dist/*.d.ts):
//   - test/types/react-usage.tsx (tsc, React 19 types) and test/types/VueUsage.vue (vue-tsc)
//     have no errors, and they start with the README's React and Vue examples, word for word;
//   - test/types/react-errors.tsx and test/types/VueErrors.vue, deliberate mistakes, get
//     exactly the errors their `expect TSxxxx` comments name, each on the line below its
//     comment, and no others: wrong prop types and wrong event use are caught, not passed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const DIR = 'test/types';
const USAGE = ['react-usage.tsx', 'VueUsage.vue'];
const ERRORS = ['react-errors.tsx', 'VueErrors.vue'];

/** Runs a checker; returns its errors as `file:line TScode`, with the message for reports. */
function errorsOf(bin, project) {
  let output;
  try {
    output = execFileSync(`node_modules/.bin/${bin}`, ['-p', project, '--pretty', 'false'], { encoding: 'utf8' });
  } catch (error) {
    output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  }
  const errors = [];
  for (const line of output.split('\n')) {
    const m = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (m) errors.push({ key: `${path.basename(m[1])}:${m[2]} ${m[3]}`, message: m[4] });
    else if (/error TS\d+/.test(line)) errors.push({ key: line, message: '' });
  }
  return errors;
}

/** `expect TS2322 ...` comments (`//` or `<!--`): the codes expected on the next line. */
function expectedErrors(file) {
  const expected = [];
  readFileSync(path.join(DIR, file), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /(?:\/\/|<!--)\s*expect((?:\s+TS\d+)+)/.exec(line);
      if (m) for (const code of m[1].trim().split(/\s+/)) expected.push(`${file}:${i + 2} ${code}`);
    });
  return expected;
}

function readmeBlock(file, language, text) {
  const readme = readFileSync('README.md', 'utf8');
  return readme.includes('```' + language + '\n' + text + '```\n')
    ? []
    : [`README.md has no \`\`\`${language} block that is ${file}'s example, word for word`];
}

const reactUsage = readFileSync(path.join(DIR, 'react-usage.tsx'), 'utf8');
const reactExample = reactUsage.slice(
  reactUsage.indexOf('\nimport ') + 1,
  reactUsage.indexOf('// ---- end of the README example ----'),
);
const problems = [
  ...readmeBlock('react-usage.tsx', 'tsx', reactExample),
  ...readmeBlock('VueUsage.vue', 'vue', readFileSync(path.join(DIR, 'VueUsage.vue'), 'utf8')),
];

const found = [...errorsOf('tsc', `${DIR}/tsconfig.json`), ...errorsOf('vue-tsc', `${DIR}/tsconfig.vue.json`)];
const expected = ERRORS.flatMap(expectedErrors);
const unexpected = found.filter((e) => !expected.includes(e.key));
const missing = expected.filter((key) => !found.some((e) => e.key === key));
problems.push(
  ...unexpected.map((e) => `unexpected error ${e.key}: ${e.message}`),
  ...missing.map((key) => `expected error not reported: ${key}`),
);
if (found.length !== expected.length && !unexpected.length && !missing.length) {
  problems.push(`${found.length} errors reported, ${expected.length} expected (one reported twice?)`);
}

if (problems.length) {
  console.error(`framework types:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `framework types: ${USAGE.join(', ')} type-check (tsc, vue-tsc); ${ERRORS.join(', ')} get exactly their ${expected.length} expected errors.`,
);
