/**
 * An ordered list of name → value rows (spark-submit Arguments, `--conf` Configurations, LDAP group
 * → roles): add, edit and remove rows in place. Order is kept because spark-submit flags are passed
 * in the order the group lists them. Names may be suggested (a datalist) but never forced, so a flag
 * the list does not know is still the server's to accept or refuse with its own message.
 */
import { useId } from 'react';
import { duplicateNames, type Pair } from '../lib/pairs';

export function PairsEditor({
  label,
  pairs,
  onChange,
  suggestions,
  namePlaceholder,
  valuePlaceholder,
  disabled,
}: {
  label: string;
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  suggestions?: readonly string[];
  namePlaceholder?: string;
  valuePlaceholder?: string;
  disabled?: boolean;
}) {
  const listId = useId();
  const set = (index: number, row: Pair) => onChange(pairs.map((p, i) => (i === index ? row : p)));
  const twice = duplicateNames(pairs);
  return (
    <fieldset className="pairs" disabled={disabled}>
      <legend>{label}</legend>
      {suggestions ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
      {pairs.length === 0 ? <p className="muted small">None.</p> : null}
      {pairs.map(([name, value], index) => (
        <div className="pair-row" key={index}>
          <input aria-label={`${label} name ${index + 1}`} className="mono" value={name} placeholder={namePlaceholder} list={suggestions ? listId : undefined} onChange={(e) => set(index, [e.target.value, value])} />
          <input aria-label={`${label} value ${index + 1}`} className="mono" value={value} placeholder={valuePlaceholder} onChange={(e) => set(index, [name, e.target.value])} />
          <button type="button" className="button small" aria-label={`Remove ${name || `row ${index + 1}`}`} onClick={() => onChange(pairs.filter((_, i) => i !== index))}>
            Remove
          </button>
        </div>
      ))}
      {twice.length ? <div className="callout warning small">Listed twice (the last one wins): {twice.join(', ')}</div> : null}
      <button type="button" className="button small" onClick={() => onChange([...pairs, ['', '']])}>
        Add {label.toLowerCase().replace(/s$/, '')}
      </button>
    </fieldset>
  );
}
