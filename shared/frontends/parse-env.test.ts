import { parseEnvironmentFromEnv } from './parse-env.js';

describe('parseEnvironmentFromEnv', () => {
  it('gives DAG files only the variables SKYDAG_PARSE_ENV lists that are set', () => {
    expect(parseEnvironmentFromEnv({ SKYDAG_PARSE_ENV: ' STAGE, REGION ,,UNSET', STAGE: 'prod', REGION: 'eu', HOME: '/root' })).toEqual({ STAGE: 'prod', REGION: 'eu' });
    expect(parseEnvironmentFromEnv({ HOME: '/root', STAGE: 'prod' })).toEqual({});
  });

  it.each([
    ['SKYDAG_JWT_SECRET', "skydag's or AWS's own settings"],
    ['aws_secret_access_key', "skydag's or AWS's own settings"],
    ['AWS_ACCESS_KEY_ID', "skydag's or AWS's own settings"],
    ['BAD-NAME', 'is not a variable name'],
  ])('refuses to list %s, naming it', (name, reason) => {
    expect(() => parseEnvironmentFromEnv({ SKYDAG_PARSE_ENV: `STAGE,${name}`, [name]: 'x' })).toThrow(new RegExp(`^SKYDAG_PARSE_ENV: .*${name}.*${reason.replace(/[.*]/g, '\\$&')}`));
  });
});
