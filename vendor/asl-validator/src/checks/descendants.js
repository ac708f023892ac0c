"use strict";
// skydag patch (see VENDORED.md): what jsonpath-plus answers for `$..Name` and `$..[A,B]` — the
// value of every own property with one of the names, anywhere in the document — in jsonpath-plus's
// order (a node's own matches in the names' order, then its children's, in key order, depth first),
// by one walk instead of jsonpath-plus's parse and trace: the checks' queries of a large definition
// were most of their time.
Object.defineProperty(exports, "__esModule", { value: true });
exports.descendants = void 0;
var descendants = function (json, names) {
    if (!json) {
        return undefined; // as jsonpath-plus answers for a falsy document
    }
    var found = [];
    var visit = function (value) {
        for (var i = 0; i < names.length; i++) {
            if (Object.prototype.hasOwnProperty.call(value, names[i])) {
                found.push(value[names[i]]);
            }
        }
        var keys = Array.isArray(value) ? null : Object.keys(value);
        var count = keys ? keys.length : value.length;
        for (var k = 0; k < count; k++) {
            var child = value[keys ? keys[k] : k];
            if (child !== null && typeof child === "object") {
                visit(child);
            }
        }
    };
    if (typeof json === "object") {
        visit(json);
    }
    return found;
};
exports.descendants = descendants;
