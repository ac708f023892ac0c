// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs (see docs/ARCHITECTURE.md).
import '../shared/polyfills.js';
