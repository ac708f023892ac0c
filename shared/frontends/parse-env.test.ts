import { parseEnvironmentFromEnv } from './parse-env.js';

describe('parseEnvironmentFromEnv', () => {
  it('gives DAG files only the variables SKYDAG_PARSE_ENV lists that are set', () => {
    expect(parseEnvironmentFromEnv({ SKYDAG_PARSE_ENV: ' STAGE, REGION ,,UNSET', STAGE: 'prod', REGION: 'eu', HOME: '/root' })).toEqual({ STAGE: 'prod', REGION: 'eu' });
    expect(parseEnvironmentFromEnv({ HOME: '/root', STAGE: 'prod' })).toEqual({});
  });

  it("gives them Airflow's path setting the platform set for itself (its DAGs folder), and no other AIRFLOW__ variable unless listed", () => {
    const env = { AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/home/u/.skydag/logs', AIRFLOW__CORE__DAGS_FOLDER: '/home/u/dags', AIRFLOW__CORE__FERNET_KEY: 'secret', AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'postgresql://u:p@db/a' };
    expect(parseEnvironmentFromEnv(env)).toEqual({ AIRFLOW__CORE__DAGS_FOLDER: '/home/u/dags' });
    expect(parseEnvironmentFromEnv({ ...env, SKYDAG_PARSE_ENV: 'AIRFLOW__LOGGING__BASE_LOG_FOLDER' })).toEqual({ AIRFLOW__CORE__DAGS_FOLDER: '/home/u/dags', AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/home/u/.skydag/logs' });
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
