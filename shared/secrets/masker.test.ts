import { DEFAULT_MIN_LENGTH, DEFAULT_SENSITIVE_FIELDS, MASK, SecretsMasker, isSensitiveKey, maskingSettings, redactByKey, secretForms } from './masker.js';

const settings = { sensitiveFields: DEFAULT_SENSITIVE_FIELDS, minLength: DEFAULT_MIN_LENGTH };
const masker = () => new SecretsMasker(settings);

describe('sensitive names (Airflow 2.10 DEFAULT_SENSITIVE_FIELDS)', () => {
  it.each(['password', 'DB_PASSWORD', 'my_api_key', 'ApiKey', 'Authorization', 'aws_secret_access_key', 'x_token', 'passphrase', 'keyfile_dict', 'gcp_service_account', 'private_key_pem', ' passwd '])(
    '%s is sensitive',
    (name) => expect(isSensitiveKey(name, settings)).toBe(true),
  );
  it.each(['user', 'host', 'region', 'port', '', 'pass'])('%s is not', (name) => expect(isSensitiveKey(name, settings)).toBe(false));

  it('sensitive_var_conn_names extends the list (SKYDAG_ or Airflow spelling); the minimum length is configurable', () => {
    const fromSkydag = maskingSettings({ SKYDAG_SENSITIVE_VAR_CONN_NAMES: 'Pin, ssn ,', SKYDAG_MIN_LENGTH_MASKED_SECRET: '8' });
    expect(isSensitiveKey('card_pin', fromSkydag)).toBe(true);
    expect(isSensitiveKey('user_ssn', fromSkydag)).toBe(true);
    expect(isSensitiveKey('password', fromSkydag)).toBe(true);
    expect(fromSkydag.minLength).toBe(8);
    const fromAirflow = maskingSettings({ AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES: 'pin', AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET: 'nope' });
    expect(isSensitiveKey('pin', fromAirflow)).toBe(true);
    expect(fromAirflow.minLength).toBe(DEFAULT_MIN_LENGTH);
    expect(isSensitiveKey('pin', maskingSettings({}))).toBe(false);
  });
});

describe('SecretsMasker: what is registered (mask_secret semantics)', () => {
  it('a value without a name is always a secret; with a name only when the name is sensitive', () => {
    const m = masker();
    m.addMask('unnamed-secret');
    m.addMask('region-value-eu', 'region');
    m.addMask('named-secret-1', 'db_password');
    expect(m.redactText('unnamed-secret region-value-eu named-secret-1')).toBe(`${MASK} region-value-eu ${MASK}`);
  });

  it('values shorter than the minimum length, and the word "airflow", are not masked by value', () => {
    const m = masker();
    m.addMask('abcd');
    m.addMask('Airflow');
    m.addMask('abcde');
    expect(m.redactText('abcd Airflow abcde')).toBe(`abcd Airflow ${MASK}`);
    expect(new SecretsMasker({ ...settings, minLength: 8 }).redactText('abcde')).toBe('abcde');
    // By key, everything is masked, however short.
    expect(m.redact({ password: 'x' })).toEqual({ password: MASK });
  });

  it('dicts are walked by key, lists keep their name; everything under a sensitive key counts, however deep', () => {
    const m = masker();
    m.addMask({ api_key: 'conf-key-1', region: 'eu-west-1', nested: { token: 'conf-tok-2', list: ['plain-item'] }, secret_list: ['listed-secret'], creds: { password: { inner: 'deep-secret' } } });
    expect(m.redactText('conf-key-1 eu-west-1 conf-tok-2 plain-item listed-secret deep-secret')).toBe(`${MASK} eu-west-1 ${MASK} plain-item ${MASK} ${MASK}`);
    const numbers = masker();
    numbers.addMask({ pin_password: 123456 });
    expect(numbers.redactText('pin 123456')).toBe(`pin ${MASK}`);
  });

  it('variables: the value when the key is sensitive; a JSON value by its keys', () => {
    const m = masker();
    m.addVariable('db_password', 'var-secret-1');
    m.addVariable('region', 'eu-central-1');
    m.addVariable('warehouse', JSON.stringify({ user: 'loader', password: 'json-pass-1' }));
    expect(m.redactText('var-secret-1 eu-central-1 loader json-pass-1')).toBe(`${MASK} eu-central-1 loader ${MASK}`);
  });

  it('connections: the password always, extras by key', () => {
    const m = masker();
    m.addConnection({ password: 'conn-pass-1', extra: { region: 'eu-north-1', api_token: 'extra-tok-1', nested: { client_secret: 'extra-cs-1' } } });
    expect(m.redactText('conn-pass-1 eu-north-1 extra-tok-1 extra-cs-1')).toBe(`${MASK} eu-north-1 ${MASK} ${MASK}`);
  });
});

describe('SecretsMasker: forms of a secret', () => {
  const tricky = 'Tr1cky"Tok\'en\\x';

  it('masks the JSON-escaped, Python-repr, URL-quoted forms', () => {
    const m = masker();
    m.addMask(tricky);
    expect(m.redactText(JSON.stringify({ v: tricky }))).toBe(`{"v":"${MASK}"}`);
    expect(m.redactText(`{'v': 'Tr1cky"Tok\\'en\\\\x'}`)).toBe(`{'v': '${MASK}'}`);
    expect(m.redactText(`postgres://u:${encodeURIComponent(tricky)}@h`)).toBe(`postgres://u:${MASK}@h`);
    const spaced = masker();
    spaced.addMask("it's a pass phrase!");
    // Python: quote(safe='') escapes ' and !; quote_plus turns spaces into +; repr switches to double quotes.
    expect(spaced.redactText("x=it%27s%20a%20pass%20phrase%21 y=it%27s+a+pass+phrase%21 z=\"it's a pass phrase!\"")).toBe(`x=${MASK} y=${MASK} z="${MASK}"`);
  });

  it('non-ASCII secrets are masked in json.dumps ensure_ascii form too', () => {
    const m = masker();
    m.addMask('pässwörd-1');
    expect(m.redactText('{"v": "p\\u00e4ssw\\u00f6rd-1"}')).toBe(`{"v": "${MASK}"}`);
  });

  it('a multi-line secret is masked whole and line by line (printed one line at a time)', () => {
    const m = masker();
    const key = '-----BEGIN KEY-----\nAAAAline-one\nBBBBline-two\n-----END KEY-----';
    m.addMask(key);
    expect(m.redactText(`whole: ${key}`)).toBe(`whole: ${MASK}`);
    expect(m.redactText('INFO key line: BBBBline-two')).toBe(`INFO key line: ${MASK}`);
    expect(m.redactText(JSON.stringify(key))).toBe(`"${MASK}"`);
    expect(secretForms(key)).toContain('AAAAline-one');
  });

  it('of two secrets where one contains the other, the longer is replaced whole', () => {
    const m = masker();
    m.addMask('abcdef');
    m.addMask('abcdefghij');
    expect(m.redactText('abcdefghij abcdef')).toBe(`${MASK} ${MASK}`);
  });

  it('regular-expression characters in secrets are literal', () => {
    const m = masker();
    m.addMask('a.b*c+d?(e)');
    expect(m.redactText('a.b*c+d?(e) aXbbcd')).toBe(`${MASK} aXbbcd`);
  });
});

describe('SecretsMasker: structures', () => {
  it('masks values under sensitive keys (any depth, numbers too) and registered secrets in every string and key', () => {
    const m = masker();
    m.addMask('registered-1');
    const value = {
      bash_command: 'echo registered-1',
      env: { DB_PASSWORD: 'plain-by-key', HOME: '/home/x' },
      headers: { Authorization: 'Bearer xyz' },
      creds: { password: { nested: ['a', 'b'], n: 5, empty: '', flag: true, none: null } },
      list: [{ token: 'tk' }, 'registered-1 again'],
      'registered-1': 'as a key',
      $type: 'datetime',
    };
    expect(m.redact(value)).toEqual({
      bash_command: `echo ${MASK}`,
      env: { DB_PASSWORD: MASK, HOME: '/home/x' },
      headers: { Authorization: MASK },
      creds: { password: { nested: [MASK, MASK], n: MASK, empty: '', flag: true, none: null } },
      list: [{ token: MASK }, `${MASK} again`],
      [MASK]: 'as a key',
      $type: 'datetime',
    });
    expect(value.bash_command).toBe('echo registered-1');
  });

  it('a value under a sensitive name is masked whole; redactByKey masks by key only', () => {
    expect(masker().redact('anything', 'api_key')).toBe(MASK);
    expect(masker().redact({ a: 'b' }, 'secret')).toEqual({ a: MASK });
    expect(redactByKey({ conf: { api_key: 'k', n: 1 }, note: 'registered nowhere' })).toEqual({ conf: { api_key: MASK, n: 1 }, note: 'registered nowhere' });
  });

  it('very deep structures are cut off masked, never shown whole', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(JSON.stringify(masker().redact(deep))).not.toContain('leaf');
  });

  it('hides and secretsIn tell whether and which secrets a value carries', () => {
    const m = masker();
    m.addMask('registered-1');
    expect(m.hides({ a: 'nothing here' })).toBe(false);
    expect(m.hides({ a: 'has registered-1' })).toBe(true);
    expect(m.hides({ password: 'by-key-value' })).toBe(true);
    expect(m.secretsIn({ a: `x ${JSON.stringify('registered-1')}`, b: { api_key: 'by-key-value' } }).sort()).toEqual(['by-key-value', 'registered-1']);
  });
});

describe('RedactingStream: output as it is written', () => {
  const SECRET = 'Stream-Secret-42';
  const run = (chunks: string[], m = masker()) => {
    m.addMask(SECRET);
    const stream = m.stream();
    const written = chunks.map((c) => stream.push(c));
    return { written, all: written.join('') + stream.flush() };
  };

  it('a secret split across chunks is masked; text that cannot start a secret is not delayed', () => {
    const { written, all } = run(['before Stream-Sec', 'ret-42 after\n', 'next line\n']);
    expect(written).toEqual(['before ', `${MASK} after\n`, 'next line\n']);
    expect(all).toBe(`before ${MASK} after\nnext line\n`);
  });

  it('one character at a time', () => {
    const text = `a ${SECRET} b ${SECRET}${SECRET} c\n`;
    expect(run([...text]).all).toBe(`a ${MASK} b ${MASK}${MASK} c\n`);
  });

  it('a held-back prefix that turns out not to be a secret is written unchanged', () => {
    const { written, all } = run(['x Stream-S', 'hark\n']);
    expect(written).toEqual(['x ', 'Stream-Shark\n']);
    expect(all).toBe('x Stream-Shark\n');
  });

  it('at the end of the stream, a held-back tail that never became a secret is written as it was', () => {
    const { all } = run(['tail Stream-Sec']);
    expect(all).toBe('tail Stream-Sec');
  });

  it('a longer secret that extends a shorter one is masked whole across chunks', () => {
    const m = masker();
    m.addMask('abcdef');
    m.addMask('abcdefghij');
    const stream = m.stream();
    expect(stream.push('x abcdef')).toBe('x ');
    expect(stream.push('ghij y') + stream.flush()).toBe(`${MASK} y`);
  });

  it('a secret registered while streaming is masked from then on (also in what is held back)', () => {
    const m = masker();
    const stream = m.stream();
    expect(stream.push('before\n')).toBe('before\n');
    m.addMask('late-secret');
    expect(stream.push('late-sec') + stream.push('ret\n')).toBe(`${MASK}\n`);
  });

  it('a multi-line secret split across chunks at its line break', () => {
    const m = masker();
    m.addMask('first-line\nsecond-line');
    const stream = m.stream();
    expect(stream.push('k=first-line\n') + stream.push('second-line\n') + stream.flush()).toBe(`k=${MASK}\n`);
  });
});
