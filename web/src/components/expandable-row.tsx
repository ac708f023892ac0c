import { Fragment, type ReactNode } from 'react';

interface ExpandableRowProps {
  /** Shown as the row's first cell: a button that opens or closes the detail row. */
  name: string;
  expanded: boolean;
  onToggle: () => void;
  /** The table's column count, so the detail row spans all of them. */
  columns: number;
  /** Mounted only while expanded (its queries run only then). */
  detail: ReactNode;
  /** The row's other cells. */
  children: ReactNode;
}

/** A table row named by its first cell that expands into a full-width detail row below it. */
export function ExpandableRow({ name, expanded, onToggle, columns, detail, children }: ExpandableRowProps) {
  return (
    <Fragment>
      <tr>
        <td className="mono">
          <button type="button" className="button subtle small" aria-expanded={expanded} onClick={onToggle}>
            {name}
          </button>
        </td>
        {children}
      </tr>
      {expanded ? (
        <tr>
          <td colSpan={columns}>{detail}</td>
        </tr>
      ) : null}
    </Fragment>
  );
}
