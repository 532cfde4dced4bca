import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './os-release.js';

const DEBIAN = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

const FEDORA = `NAME="Fedora Linux"
VERSION="40 (Workstation Edition)"
ID=fedora
VERSION_ID=40
PRETTY_NAME="Fedora Linux 40 (Workstation Edition)"
# a comment
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
`;

describe('parseOsRelease: valid', () => {
  it.each([
    { name: 'Debian 12', text: DEBIAN, want: { pretty_name: 'Debian GNU/Linux 12 (bookworm)', name: 'Debian GNU/Linux', version_id: '12', id: 'debian' } },
    { name: 'Fedora (unquoted VERSION_ID, comment)', text: FEDORA, want: { pretty_name: 'Fedora Linux 40 (Workstation Edition)', name: 'Fedora Linux', version_id: '40', id: 'fedora' } },
    { name: 'single quotes are literal', text: "PRETTY_NAME='My \\\"OS\\\" $HOME'\n", want: { pretty_name: 'My \\"OS\\" $HOME' } },
    { name: 'double-quote escapes', text: 'PRETTY_NAME="Say \\"hi\\" for \\$5 \\\\ \\n"\n', want: { pretty_name: 'Say "hi" for $5 \\ \\n' } },
    { name: 'unquoted backslash escape', text: 'NAME=My\\ OS\n', want: { name: 'My OS' } },
    { name: 'defaults from os-release(5)', text: 'VERSION_ID=1\n', want: { pretty_name: 'Linux', name: 'Linux', id: 'linux', version_id: '1' } },
  ])('$name', ({ text, want }) => {
    expect(parseOsRelease(text)).toMatchObject(want);
  });
});

// Rule under test: a bad line is skipped, the rest still counts.
describe('parseOsRelease: malformed', () => {
  it.each([
    { name: 'empty', text: '', fields: {} },
    { name: 'not enough fields (no =)', text: 'PRETTY_NAME\nID=arch\n', fields: { ID: 'arch' } },
    { name: 'garbage', text: '!!!\n=value\n1KEY=x\nID=alpine\n', fields: { ID: 'alpine' } },
    { name: 'unterminated double quote', text: 'PRETTY_NAME="Broken\nID=void\n', fields: { ID: 'void' } },
    { name: 'unterminated single quote', text: "PRETTY_NAME='Broken\nID=void\n", fields: { ID: 'void' } },
    { name: 'concatenated quotes are not allowed', text: 'PRETTY_NAME="a"b\nID=x\n', fields: { ID: 'x' } },
    { name: 'huge value kept as text', text: `ID=${'9'.repeat(400)}\n`, fields: { ID: '9'.repeat(400) } },
    { name: 'truncated', text: 'ID=debian\nPRETTY_NA', fields: { ID: 'debian' } },
  ])('$name', ({ text, fields }) => {
    expect(parseOsRelease(text).fields).toEqual(fields);
  });
});
