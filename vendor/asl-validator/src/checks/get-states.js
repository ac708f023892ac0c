"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.getStates = exports.getStatesContainer = void 0;
var descendants_1 = require("./descendants"); // skydag patch: see descendants.js
var getStatesContainer = function (definition) {
    return (0, descendants_1.descendants)(definition, ["States"]);
};
exports.getStatesContainer = getStatesContainer;
var getStates = function (states) {
    return Object.keys(states)
        .map(function (stateName) {
        var state = states[stateName];
        return { stateName: stateName, state: state };
    })
        .filter(function (_a) {
        var state = _a.state;
        // the schemas will validate if this Type field is valid.
        return "Type" in state;
    })
        .map(function (_a) {
        var state = _a.state, stateName = _a.stateName;
        return { stateName: stateName, state: state };
    });
};
exports.getStates = getStates;
