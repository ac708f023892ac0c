"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.jsonSchemaErrors = void 0;
// skydag patch (see VENDORED.md): Ajv, ajv-formats, JSONata and asl-path-validator are loaded by the
// check that compiles the schemas at the call (compiledSchemaErrorsOf) when it first runs: the
// ahead-of-time check does not use them, and loading them took ~30 ms of every first validation.
var ajv_1, jsonata_1, ajv_formats_1, asl_path_validator_1;
var loadCompilerDependencies = function () {
    ajv_1 = ajv_1 || __importDefault(require("ajv"));
    jsonata_1 = jsonata_1 || __importDefault(require("jsonata"));
    ajv_formats_1 = ajv_formats_1 || __importDefault(require("ajv-formats"));
    asl_path_validator_1 = asl_path_validator_1 || require("asl-path-validator");
};
var common_json_1 = __importDefault(require("../schemas/common.json"));
var paths_json_1 = __importDefault(require("../schemas/paths.json"));
var jsonata_json_1 = __importDefault(require("../schemas/jsonata.json"));
var choice_json_1 = __importDefault(require("../schemas/choice.json"));
var fail_json_1 = __importDefault(require("../schemas/fail.json"));
var parallel_json_1 = __importDefault(require("../schemas/parallel.json"));
var pass_json_1 = __importDefault(require("../schemas/pass.json"));
var base_state_machine_json_1 = __importDefault(require("../schemas/base-state-machine.json"));
var state_machine_json_1 = __importDefault(require("../schemas/state-machine.json"));
var state_json_1 = __importDefault(require("../schemas/state.json"));
var succeed_json_1 = __importDefault(require("../schemas/succeed.json"));
var task_json_1 = __importDefault(require("../schemas/task.json"));
var wait_json_1 = __importDefault(require("../schemas/wait.json"));
var map_json_1 = __importDefault(require("../schemas/map.json"));
var errors_json_1 = __importDefault(require("../schemas/errors.json"));
var types_1 = require("../types");
var formats_1 = require("./formats");
// skydag patch (see VENDORED.md): the schemas and Ajv options, shared with the ahead-of-time build.
var SCHEMAS = [
    common_json_1.default,
    paths_json_1.default,
    jsonata_json_1.default,
    choice_json_1.default,
    fail_json_1.default,
    parallel_json_1.default,
    pass_json_1.default,
    base_state_machine_json_1.default,
    state_machine_json_1.default,
    state_json_1.default,
    succeed_json_1.default,
    task_json_1.default,
    wait_json_1.default,
    map_json_1.default,
    errors_json_1.default,
];
exports.SCHEMAS = SCHEMAS;
exports.AJV_OPTIONS = { allowUnionTypes: true };
exports.STATE_MACHINE_SCHEMA = "http://asl-validator.cloud/state-machine.json#";
// skydag patch: with checkPaths (the default, and what the interpreter passes) the schemas are
// checked by code Ajv compiled ahead of time from them (schema-validator.generated.js, made by
// generate-schema-validator.js with these schemas, options and formats): compiling them here took
// ~0.15-0.25 s at every call. Without checkPaths they are compiled here, as upstream does.
var schemaErrorsOf = function (definition, options) {
    if (options.checkPaths) {
        var compiled = require("./schema-validator.generated");
        return require("./schema-formats").checkingArns(!!options.checkArn, function () {
            compiled.validateStateMachine(definition);
            return compiled.validateStateMachine.errors;
        });
    }
    return compiledSchemaErrorsOf(definition, options);
};
exports.schemaErrorsOf = schemaErrorsOf;
// Upstream's check (the Ajv built and compiled at each call), for options the ahead-of-time code was not built with.
var compiledSchemaErrorsOf = function (definition, options) {
    loadCompilerDependencies();
    var ajv = new ajv_1.default(Object.assign({ schemas: SCHEMAS }, exports.AJV_OPTIONS));
    (0, ajv_formats_1.default)(ajv);
    var validateJsonataString = function (value) {
        var trimmed = value.trim();
        try {
            var expr = trimmed.startsWith("{%") ? trimmed.slice(2) : trimmed;
            expr = expr.endsWith("%}") ? expr.slice(0, -2) : expr;
            (0, jsonata_1.default)(expr);
            return true;
        }
        catch (err) {
            return false;
        }
    };
    var maybeJsonataString = function (value) {
        var trimmed = value.trim();
        if (trimmed.startsWith("{%") || trimmed.endsWith("%}")) {
            return validateJsonataString(trimmed);
        }
        return true;
    };
    ajv.addFormat("jsonata_string", validateJsonataString);
    ajv.addFormat("maybe_jsonata_string", maybeJsonataString);
    if (options.checkPaths) {
        (0, asl_path_validator_1.registerAll)(ajv);
    }
    else {
        ajv.addFormat("asl_path", function () { return true; });
        ajv.addFormat("asl_ref_path", function () { return true; });
        ajv.addFormat("asl_payload_template", function () { return true; });
        // An ASL ResultPath is a ReferencePath that cannot have variables.
        ajv.addFormat("asl_result_path", function () { return true; });
    }
    if (options.checkArn) {
        ajv.addFormat("asl_arn", formats_1.isArnFormatValid);
    }
    else {
        ajv.addFormat("asl_arn", function () { return true; });
    }
    ajv.validate(exports.STATE_MACHINE_SCHEMA, definition);
    return ajv.errors;
};
exports.compiledSchemaErrorsOf = compiledSchemaErrorsOf;
var jsonSchemaErrors = function (definition, options) {
    var schemaErrors = schemaErrorsOf(definition, options);
    // the use of oneOf can generate a lot of errors since it'll test
    // the value against each of the types and report its wrong on all.
    //
    // instance paths are suitable for error reporting and AJV will generate
    // these for us in their errors. The challenge is which to show when there
    // are multiple.
    //
    // for example, given the simplest example with a one-step definition with only
    // a Pass state. Introducing a typo for the OutputPath expression generates
    // 9 errors from AJV.
    //
    if (!schemaErrors) {
        return [];
    }
    // console.error(JSON.stringify(ajv.errors))
    // select the error with the deepest path
    var selectedErrors = [];
    var deepest = 0;
    schemaErrors.forEach(function (error) {
        var instancePath = error.instancePath;
        var depth = instancePath.split("/").length;
        if (depth === deepest) {
            selectedErrors.push(error);
        }
        else if (depth > deepest) {
            selectedErrors = [error];
        }
        deepest = Math.max(deepest, depth);
    });
    // if there is a oneOf keyword error, then remove the
    // other non-format related errors before proceeding
    var instancePathsWithOneOfKeyword = new Set();
    selectedErrors
        .filter(function (error) { return error.keyword === "oneOf"; })
        .forEach(function (error) {
        instancePathsWithOneOfKeyword.add(error.instancePath);
    });
    return (selectedErrors
        .filter(function (error) {
        return error.keyword === "oneOf" ||
            !instancePathsWithOneOfKeyword.has(error.instancePath);
    })
        .map(function (error) {
        var _a;
        return ({
            "Error code": types_1.StateMachineErrorCode.SchemaValidationFailed,
            Message: "".concat(error.instancePath, " is invalid. ").concat((_a = error.message) !== null && _a !== void 0 ? _a : ""),
            schemaError: {
                instancePath: error.instancePath,
                schemaPath: decodeURIComponent(error.schemaPath),
            },
        });
    })
        // avoid returning a list of errors with duplicates
        // this filter will only return items if they don't already appear in an earlier position in the array
        .filter(function (v, i, a) {
        return (a.findIndex(function (v2) {
            var _a, _b;
            // duplicates are based on the schemaPath and instancePath
            return (v2.schemaError.schemaPath === ((_a = v.schemaError) === null || _a === void 0 ? void 0 : _a.schemaPath) &&
                v2.schemaError.instancePath === ((_b = v.schemaError) === null || _b === void 0 ? void 0 : _b.instancePath));
        }) === i);
    }));
};
exports.jsonSchemaErrors = jsonSchemaErrors;
