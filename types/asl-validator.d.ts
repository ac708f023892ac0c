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

// asl-validator 3.16.0 from the registry (devDependency alias): the reference the vendored copy the
// interpreter uses (vendor/asl-validator) is tested against.
declare module 'asl-validator-upstream' {
  function validator(
    definition: object,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: { 'Error code': string; Message: string; [key: string]: unknown }[]; errorsText(separator?: string): string };
  export default validator;
}
