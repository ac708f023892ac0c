"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.missingTransitionTargetErrors = void 0;
var descendants_1 = require("./descendants"); // skydag patch: see descendants.js
var types_1 = require("../types");
var missingTransitionTargetErrors = function (definition) {
    // retrieve all states
    var machineStates = [];
    (0, descendants_1.descendants)(definition, ["States"]).forEach(function (s) {
        machineStates = machineStates.concat(Object.keys(s));
    });
    // retrieve all reachable states
    // skydag patch: Sets instead of indexOf (quadratic in the states of a large definition); same order.
    var reachableStates = Array.from(new Set((0, descendants_1.descendants)(definition, ["StartAt", "Next", "Default"])));
    var reachable = new Set(reachableStates);
    var existing = new Set(machineStates);
    // check if all states are reachable
    var unreachable = machineStates
        .filter(function (state) { return !reachable.has(state); })
        .map(function (state) { return ({
        "Error code": types_1.StateMachineErrorCode.MissingTransitionTarget,
        Message: "State ".concat(state, " is not reachable"),
    }); });
    // check if all 'Next', 'StartAt' and 'Default' states exist
    var inexistant = reachableStates
        .filter(function (state) { return !existing.has(state); })
        .map(function (state) { return ({
        "Error code": types_1.StateMachineErrorCode.MissingTransitionTarget,
        Message: "Missing 'StartAt'|'Next'|'Default' target: ".concat(state),
    }); });
    return unreachable.concat(inexistant);
};
exports.missingTransitionTargetErrors = missingTransitionTargetErrors;
