"use strict";
// skydag patch (see VENDORED.md): what jsonpath-plus answers for `$..Name` and `$..[A,B]` — the
// value of every own property with one of the names, anywhere in the document — in jsonpath-plus's
// order (a node's own matches in the names' order, then its children's, in key order, depth first),
// by one walk instead of jsonpath-plus's parse and trace: the checks' queries of a large definition
// were most of their time.
Object.defineProperty(exports, "__esModule", { value: true });
exports.descendants = void 0;
// A document the validator queries many times (its definition, after the schema check) is walked once
// into an index (withIndex): each property name's values in the walk's order, with the position of the
// object that holds them. The checks do not change the document meanwhile.
// Every object and array under `json` (itself first), depth first, children in key order: the order
// of jsonpath-plus's answers, for the walk below and for the index alike.
var eachObject = function (json, visit) {
    var step = function (value) {
        visit(value);
        var keys = Array.isArray(value) ? null : Object.keys(value);
        var count = keys ? keys.length : value.length;
        for (var k = 0; k < count; k++) {
            var child = value[keys ? keys[k] : k];
            if (child !== null && typeof child === "object") {
                step(child);
            }
        }
    };
    step(json);
};
var indexes = new WeakMap();
var withIndex = function (json, run) {
    if (!json || typeof json !== "object" || indexes.has(json)) {
        return run();
    }
    var byName = new Map();
    var position = 0;
    var add = function (name, at, value) {
        var list = byName.get(name);
        if (list === undefined) {
            byName.set(name, (list = []));
        }
        list.push(at, value);
    };
    eachObject(json, function (value) {
        var at = position++;
        if (Array.isArray(value)) {
            add("length", at, value.length); // an array's one own property that is no index
            return;
        }
        var keys = Object.keys(value);
        for (var k = 0; k < keys.length; k++) {
            add(keys[k], at, value[keys[k]]);
        }
    });
    indexes.set(json, byName);
    try {
        return run();
    }
    finally {
        indexes.delete(json);
    }
};
exports.withIndex = withIndex;
// The walk's answer from an index: by holder position, and within one holder in the names' order.
var fromIndex = function (byName, names) {
    var lists = names.map(function (name) { return byName.get(name) || []; });
    if (lists.length === 1) {
        var values = [];
        for (var i = 1; i < lists[0].length; i += 2) {
            values.push(lists[0][i]);
        }
        return values;
    }
    var found = [];
    var next = lists.map(function () { return 0; });
    for (;;) {
        var pick = -1;
        for (var n = 0; n < lists.length; n++) {
            if (next[n] < lists[n].length && (pick < 0 || lists[n][next[n]] < lists[pick][next[pick]])) {
                pick = n;
            }
        }
        if (pick < 0) {
            return found;
        }
        found.push(lists[pick][next[pick] + 1]);
        next[pick] += 2;
    }
};
var descendants = function (json, names) {
    if (!json) {
        return undefined; // as jsonpath-plus answers for a falsy document
    }
    var byName = indexes.get(json);
    if (byName !== undefined) {
        return fromIndex(byName, names);
    }
    var found = [];
    if (typeof json === "object") {
        eachObject(json, function (value) {
            for (var i = 0; i < names.length; i++) {
                if (Object.prototype.hasOwnProperty.call(value, names[i])) {
                    found.push(value[names[i]]);
                }
            }
        });
    }
    return found;
};
exports.descendants = descendants;
