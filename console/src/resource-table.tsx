/**
 * The table every list page shows (installations, people, keys, deliveries, messages…): one column
 * definition per field, the same markup, header scopes and empty state everywhere. On a phone each row
 * becomes a card whose values carry their column's name (data-label, styles.css).
 */
import type { ReactNode } from 'react';
import { useI18n } from './i18n.tsx';

export interface Column<T> {
  /** The column's header; none for a column of buttons (its header is then read by screen readers only). */
  header?: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  className?: string;
}

export function ResourceTable<T>({ rows, columns, rowKey, empty, testId }: { rows: readonly T[]; columns: Column<T>[]; rowKey: (row: T, index: number) => string; empty?: ReactNode; testId?: string }) {
  const { t } = useI18n();
  if (rows.length === 0) return empty === undefined ? null : <p className="muted">{empty}</p>;
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          {columns.map((column, index) => (
            <th key={index} scope="col">
              {column.header ?? <span className="visually-hidden">{t('Actions')}</span>}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row, index)}>
            {columns.map((column, at) => (
              <td key={at} className={column.className} data-label={typeof column.header === 'string' ? column.header : undefined}>
                {column.cell(row, index)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
