/**
 * Forms generated from JSON Schema (react-jsonschema-form with Ajv): connector install forms from
 * their manifest, scenario steps from the OpenAPI document. Nothing here knows a connector.
 */
import Form, { getDefaultRegistry } from '@rjsf/core';
import type { RJSFSchema, UiSchema, WidgetProps } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { ReactNode } from 'react';
import { useI18n } from './i18n.tsx';

const SECRET_NAME = /secret|password|token/i;

const CoreSelect = getDefaultRegistry().widgets.SelectWidget!;

/**
 * The library's select has no accessible name when it picks a oneOf/anyOf variant (it renders no
 * <label> for it): wrapped in a label carrying the field's name, every select has one.
 */
function LabelledSelect(props: WidgetProps) {
  return (
    <label className="select-label">
      <span className="visually-hidden">{props.label || props.id}</span>
      <CoreSelect {...props} />
    </label>
  );
}

const WIDGETS = { SelectWidget: LabelledSelect };

/**
 * A form adds nothing the user did not ask for: an optional list with a minimum length (Google
 * Calendar's `calendars`) stays empty, where the library would fill it with blank items that fail
 * validation, and an optional object with defaults (an SMS step's `survey`) stays absent, where the
 * library would add it — opening a step's form would otherwise change the scenario.
 */
const NOTHING_UNASKED = { arrayMinItems: { populate: 'requiredOnly' as const }, emptyObjectFields: 'populateRequiredDefaults' as const };

/**
 * The hub's schemas come from zod (draft 2020-12 `$schema`); the keywords they use are the same in
 * draft-07, which the default Ajv speaks, so the marker is dropped rather than loading a second Ajv.
 */
export function formSchema(schema: unknown): RJSFSchema {
  const { $schema: _ignored, ...rest } = (schema ?? {}) as Record<string, unknown>;
  return rest as RJSFSchema;
}

/** Secret-looking fields as password inputs, at any depth. */
export function secretUiSchema(schema: RJSFSchema): UiSchema {
  const ui: UiSchema = {};
  const properties = (schema.properties ?? {}) as Record<string, RJSFSchema>;
  for (const [name, property] of Object.entries(properties)) {
    if (property.type === 'string' && SECRET_NAME.test(name)) ui[name] = { 'ui:widget': 'password', 'ui:autocomplete': 'off' };
    else if (property.type === 'object') ui[name] = secretUiSchema(property);
  }
  return ui;
}

export function SchemaForm<T>({
  schema,
  uiSchema,
  value,
  onChange,
  onSubmit,
  submitLabel,
  disabled,
  children,
  idPrefix,
}: {
  schema: RJSFSchema;
  uiSchema?: UiSchema;
  value: T;
  onChange?: (value: T) => void;
  onSubmit?: (value: T) => void;
  submitLabel?: string;
  disabled?: boolean;
  children?: ReactNode;
  idPrefix?: string;
}) {
  const { t } = useI18n();
  return (
    <Form
      schema={schema}
      uiSchema={{ 'ui:submitButtonOptions': { norender: !onSubmit, submitText: submitLabel ?? t('Save') }, ...uiSchema }}
      formData={value}
      validator={validator}
      widgets={WIDGETS}
      experimental_defaultFormStateBehavior={NOTHING_UNASKED}
      disabled={disabled}
      idPrefix={idPrefix}
      showErrorList={false}
      noHtml5Validate
      onChange={(event) => onChange?.(event.formData as T)}
      onSubmit={(event) => onSubmit?.(event.formData as T)}
    >
      {children}
    </Form>
  );
}
