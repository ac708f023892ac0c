"use strict";
// skydag patch (see VENDORED.md): the formats json-schema-errors.js registers with Ajv when
// options.checkPaths is set (ajv-formats' full formats, the JSONata and asl-path-validator formats,
// the ARN format as options.checkArn says), as one module: the ahead-of-time compiled schema check
// (schema-validator.generated.js) requires its formats from here. The path formats are
// remembered per path: a compiled DAG repeats the same few paths in every task's states, and
// asl-path-validator parses each with a PEG grammar (a pure function of the path and its kind).
Object.defineProperty(exports, "__esModule", { value: true });
var formats_1 = require("ajv-formats/dist/formats");
// Loaded by the first JSONata-looking string (~8 ms): a compiled DAG has none.
var jsonata = function (expr) {
    return require("jsonata")(expr);
};
var asl_path_validator_1 = require("asl-path-validator");
var formats_2 = require("./formats");
// json-schema-errors.js's two JSONata formats, unchanged.
var validateJsonataString = function (value) {
    var trimmed = value.trim();
    try {
        var expr = trimmed.startsWith("{%") ? trimmed.slice(2) : trimmed;
        expr = expr.endsWith("%}") ? expr.slice(0, -2) : expr;
        jsonata(expr);
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
// Bounded: a long-lived process validating many definitions forgets and starts again.
var REMEMBERED_PATHS = 10000;
var remembered = function (format) {
    var verdicts = new Map();
    return function (path) {
        var known = verdicts.get(path);
        if (known !== undefined)
            return known;
        var valid = format(path);
        if (verdicts.size >= REMEMBERED_PATHS)
            verdicts.clear();
        verdicts.set(path, valid);
        return valid;
    };
};
// The path formats as asl-path-validator registers them (its names, its adapters).
var pathFormats = {};
(0, asl_path_validator_1.registerAll)({
    addFormat: function (name, format) {
        pathFormats[name] = remembered(format);
    },
});
// The ARN format follows options.checkArn of the check in progress (checks are synchronous).
var arnChecks = true;
var checkingArns = function (enabled, check) {
    var before = arnChecks;
    arnChecks = enabled;
    try {
        return check();
    }
    finally {
        arnChecks = before;
    }
};
exports.checkingArns = checkingArns;
exports.formats = Object.assign({}, formats_1.fullFormats, {
    jsonata_string: validateJsonataString,
    maybe_jsonata_string: maybeJsonataString,
    asl_arn: function (value) {
        return !arnChecks || (0, formats_2.isArnFormatValid)(value);
    },
}, pathFormats);
