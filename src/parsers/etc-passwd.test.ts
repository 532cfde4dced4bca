import { describe, expect, it } from 'vitest';
import { parsePasswd } from './etc-passwd.js';

describe('parsePasswd', () => {
  it('maps uids to names; first line wins; comments, blanks and NIS entries skipped', () => {
    const p = parsePasswd(
      '# users\nroot:x:0:0:root:/root:/bin/bash\n\nbob:x:1000:1000:Bob,,,:/home/bob:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n+@netgroup::::::\n-baduser::::::\n',
    );
    expect([...p.users]).toEqual([
      [0, 'root'],
      [1000, 'bob'],
    ]);
    expect(p.skipped_lines).toEqual([]);
  });

  it.each([
    { name: 'empty', text: '', users: [], skipped: [] },
    { name: 'not enough fields', text: 'bob:x:1000\nroot:x:0:0:root:/root:/bin/bash\n', users: [[0, 'root']], skipped: [1] },
    { name: 'garbage uid', text: 'bob:x:lots:0::/:/bin/sh\n', users: [], skipped: [1] },
    { name: 'huge uid', text: 'bob:x:99999999999999999999:0::/:/bin/sh\n', users: [], skipped: [1] },
    { name: 'empty name', text: ':x:5:0::/:/bin/sh\n', users: [], skipped: [1] },
    { name: 'truncated last line', text: 'root:x:0:0:root:/root:/bin/bash\nbo', users: [[0, 'root']], skipped: [2] },
  ])('$name: malformed lines are skipped and counted', ({ text, users, skipped }) => {
    const p = parsePasswd(text);
    expect([...p.users]).toEqual(users);
    expect(p.skipped_lines).toEqual(skipped);
  });
});
