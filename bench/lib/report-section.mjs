// A section of models/REPORT.md that a bench script owns, kept between the markers the model factory's
// report_sections.py keeps, so that whichever writes the report last keeps the others' sections.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MARK_BEGIN = (name) => `<!-- begin section ${name} (models/report/${name}.md) -->`;
const MARK_END = (name) => `<!-- end section ${name} -->`;

/** As report_sections.splice: the block between the markers replaced, or appended. */
export function splice(text, name, body) {
  const begin = MARK_BEGIN(name);
  const end = MARK_END(name);
  const block = `${begin}\n${body.trimEnd()}\n${end}\n`;
  if (text.includes(begin) && text.includes(end)) {
    const [head, rest] = text.split(begin);
    return head + block + rest.split(end)[1].replace(/^\n+/, '');
  }
  return `${text.replace(/\n+$/, '')}\n\n${block}`;
}

/** Writes models/report/<name>.md and splices it into models/REPORT.md (what report_sections.write_section does). */
export function writeReportSection(root, name, body) {
  mkdirSync(path.join(root, 'models', 'report'), { recursive: true });
  writeFileSync(path.join(root, 'models', 'report', `${name}.md`), `${body.trimEnd()}\n`);
  const report = path.join(root, 'models', 'REPORT.md');
  writeFileSync(report, splice(readFileSync(report, 'utf8'), name, body));
}
