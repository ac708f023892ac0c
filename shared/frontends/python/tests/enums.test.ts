/**
 * Enum classes in DAG files: members, mixins (str, int, IntEnum, StrEnum), auto(), @unique, methods.
 * Every expected repr below is what CPython 3.11 prints for the same module (captured with python3).
 */
import { parse, py, reprs } from './helpers.js';

const MODULE = `
import enum
from enum import Enum, IntEnum, StrEnum, auto, unique


class Env(str, Enum):
    DEV = "dev"
    PROD = "prod"
    DEFAULT = "dev"

    @property
    def bucket(self):
        return "s3://data-" + self.value

    @classmethod
    def names(cls):
        return [m.name for m in cls]


class Level(IntEnum):
    LOW = 1
    MID = auto()
    HIGH = 5
    TOP = auto()


class Color(Enum):
    RED = "red"
    BLUE = "blue"

    def describe(self):
        return f"{self.name.lower()} is {self.value}"


class Step(StrEnum):
    EXTRACT = auto()
    LOAD = "load"


@unique
class Size(enum.Enum):
    S = 1
    M = 2


class Base(Enum):
    def shout(self):
        return self.name + "!"


class Kind(Base):
    A = 1
    B = 2

r1 = [str(Env.DEV), f"{Env.DEV}", format(Env.PROD), repr(Env.DEV), Env.DEV.value, Env.DEV.name, Env.DEFAULT is Env.DEV]
r2 = [str(Level.HIGH), f"{Level.MID:03d}", repr(Level.TOP), Level.TOP.value, Level.HIGH + 1, Level.LOW < Level.HIGH, Level.MID * 2, int(Level.HIGH)]
r3 = [str(Color.RED), f"{Color.RED}", repr(Color.BLUE), Color.RED.describe(), Color("blue").name, Color["RED"].value, Color.RED == "red", Color.RED == Color.RED]
r4 = [list(Env), len(Env), Env.names(), Env.DEV.bucket, "x-" + Env.DEV, Env.PROD.upper(), Env.DEV == "dev", {"dev": 1}[Env.DEV], {Env.DEV: 2}["dev"], Env.DEV in ["dev"], Env("dev") is Env.DEV]
r5 = [str(Step.EXTRACT), Step.EXTRACT.value, f"{Step.LOAD}", repr(Step.LOAD), Step.LOAD + "ed", [s.value for s in Step]]
r6 = [list(Size), [m.value for m in Size], Kind.A.shout(), [k.name for k in Kind], isinstance(Kind.A, Kind), isinstance(Kind.A, Base), isinstance(Env.DEV, Env), isinstance(Env.DEV, str), isinstance(Color.RED, Env)]
r7 = [list(Env.__members__), Level(5).name, bool(Level.LOW), sorted([Level.HIGH, Level.LOW]), Env.DEV in Env, Color.RED in Color, max(Level).name, Env.DEV.value.upper(), "%s/%d" % (Env.DEV, Level.HIGH), "{}-{}".format(Color.RED, Level.MID)]
`;

describe('Enum classes', () => {
  it('evaluates members, mixins, auto(), aliases, methods and lookups as CPython 3.11 does', () => {
    expect(reprs(MODULE, 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7')).toEqual({
      r1: `['Env.DEV', 'Env.DEV', 'Env.PROD', "<Env.DEV: 'dev'>", 'dev', 'DEV', True]`,
      r2: `['5', '002', '<Level.TOP: 6>', 6, 6, True, 4, 5]`,
      r3: `['Color.RED', 'Color.RED', "<Color.BLUE: 'blue'>", 'red is red', 'BLUE', 'red', False, True]`,
      r4: `[[<Env.DEV: 'dev'>, <Env.PROD: 'prod'>], 2, ['DEV', 'PROD'], 's3://data-dev', 'x-dev', 'PROD', True, 1, 2, True, True]`,
      r5: `['extract', 'extract', 'load', "<Step.LOAD: 'load'>", 'loaded', ['extract', 'load']]`,
      r6: `[[<Size.S: 1>, <Size.M: 2>], [1, 2], 'A!', ['A', 'B'], True, True, True, True, False]`,
      r7: `[['DEV', 'PROD', 'DEFAULT'], 'HIGH', True, [<Level.LOW: 1>, <Level.HIGH: 5>], True, True, 'TOP', 'DEV', 'Env.DEV/5', 'Color.RED-2']`,
    });
  });

  it.each([
    ['a duplicate value under @unique', 'from enum import Enum, unique\n@unique\nclass S(Enum):\n    A = 1\n    B = 1\n', "ValueError: duplicate values found in <enum 'S'>: B -> A"],
    ['a value no member has', 'from enum import Enum\nclass C(Enum):\n    R = 1\nx = C(3)\n', 'ValueError: 3 is not a valid C'],
    ['a name no member has', 'from enum import Enum\nclass C(Enum):\n    R = 1\nx = C["X"]\n', "KeyError: 'X'"],
    ['a subclass of an enum with members', 'from enum import Enum\nclass C(Enum):\n    R = 1\nclass D(C):\n    X = 2\n', "TypeError: <enum 'D'> cannot extend <enum 'C'>"],
  ])('reports %s as CPython words it', (_, source, message) => {
    expect(() => reprs(source)).toThrow(message);
  });

  it('passes str/int enum members to operators as their values, and refuses a plain member where a value is needed', () => {
    const head = py`
      from datetime import datetime
      from enum import Enum, IntEnum
      from airflow import DAG
      from airflow.operators.bash import BashOperator

      class Env(str, Enum):
          DEV = "dev"
          PROD = "prod"

      class Tries(IntEnum):
          FEW = 2

      class Color(Enum):
          RED = "red"
    `;
    const ok = parse(head + py`
      with DAG("enums", start_date=datetime(2024, 1, 1), schedule=None, tags=list(Env)) as dag:
          for env in Env:
              BashOperator(task_id=f"deploy_{env.value}", bash_command=f"deploy {env.name} to " + env, retries=Tries.FEW, params={"env": env, env: 1})
    `);
    expect(ok.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dag = ok.dags[0]!;
    expect(dag.tags).toEqual(['dev', 'prod']);
    expect(dag.tasks.map((t) => [t.task_id, t.args.bash_command, t.retries, t.params])).toEqual([
      ['deploy_dev', 'deploy DEV to dev', 2, { env: 'dev', dev: 1 }],
      ['deploy_prod', 'deploy PROD to prod', 2, { env: 'prod', prod: 1 }],
    ]);
    const bad = parse(head + py`
      with DAG("enums", start_date=datetime(2024, 1, 1), schedule=None) as dag:
          BashOperator(task_id="t", bash_command=Color.RED)
    `);
    expect(bad.diagnostics.map((d) => d.message)).toEqual(["BashOperator 't': argument 'bash_command': a Color object cannot be used as an argument value"]);
  });
});
