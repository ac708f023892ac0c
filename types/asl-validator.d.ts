// asl-validator 4 ships no type declarations; this is the part of its API skydag uses.
declare module 'asl-validator' {
  interface AslValidationError {
    'Error code': string;
    Message: string;
    [key: string]: unknown;
  }
  function validator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): { isValid: boolean; errors: AslValidationError[] };
  export default validator;
}
