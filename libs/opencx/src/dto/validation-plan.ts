import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';

type Condition = (object: object, value: unknown) => boolean;

interface Check {
  property: string;
  constraints: unknown[];
  validateIf?: Condition;
  validate: (value: unknown, args: ValidationArguments) => unknown;
}

interface PropertyPlan {
  name: string;
  conditions: Condition[];
  checks: Check[];
  /** Nested, promise or `each` validation: left to class-validator whenever the property is validated. */
  deferred: boolean;
}

interface Plan {
  allowed: Set<string>;
  properties: PropertyPlan[];
}

const CHECKED = new Set<string>([ValidationTypes.CUSTOM_VALIDATION, ValidationTypes.IS_DEFINED]);
const IGNORED = new Set<string>([ValidationTypes.CONDITIONAL_VALIDATION, ValidationTypes.WHITELIST]);

/** Reads a class's validation metadata once (no groups, `always` off: what `validateSync` uses here). */
function buildPlan(target: new () => object): Plan {
  const storage = getMetadataStorage();
  const grouped = storage.groupByPropertyName(storage.getTargetValidationMetadatas(target, '', false, false));
  const properties = Object.entries(grouped).map(([name, metadatas]): PropertyPlan => {
    const checks: Check[] = [];
    let deferred = false;
    for (const metadata of metadatas) {
      if (IGNORED.has(metadata.type)) continue;
      if (!CHECKED.has(metadata.type) || metadata.each) {
        deferred = true;
        continue;
      }
      for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
        if (constraint.async) deferred = true;
        const instance = constraint.instance as { validate: Check['validate'] };
        checks.push({
          property: name,
          constraints: metadata.constraints,
          validateIf: metadata.validateIf,
          validate: instance.validate.bind(instance),
        });
      }
    }
    const conditions = metadatas
      .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((metadata) => metadata.constraints[0] as Condition);
    return { name, conditions, checks, deferred };
  });
  return { allowed: new Set(Object.keys(grouped)), properties };
}

/**
 * A fast, one-sided check for `validateSync(object, { whitelist, forbidNonWhitelisted })`: it runs
 * the very constraint instances class-validator would run, read once from its metadata, without
 * the executor's per-call bookkeeping (metadata lookup and grouping, an error object per property),
 * which cost more than the checks themselves. It answers `true` only when class-validator would
 * find nothing wrong; on anything else (a failed check, an unknown key, a nested or asynchronous
 * validation, a validator returning anything but `true`) it answers `false`, and the caller runs
 * class-validator, which produces the errors and their messages. Rules stay in the decorators.
 */
export function createValidationPlan(target: new () => object): (object: object) => boolean {
  let plan: Plan | undefined;
  return (object) => {
    plan ??= buildPlan(target);
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!plan.allowed.has(key)) return false;
    const targetName = object.constructor?.name;
    for (const property of plan.properties) {
      const value = record[property.name];
      // class-validator evaluates every condition; one false skips the property's validation.
      let validated = true;
      for (const condition of property.conditions) if (!condition(object, value)) validated = false;
      if (!validated) continue;
      if (property.deferred) return false;
      for (const check of property.checks) {
        if (check.validateIf && !check.validateIf(object, value)) continue;
        const args = { targetName, property: check.property, object, value, constraints: check.constraints };
        if (check.validate(value, args) !== true) return false;
      }
    }
    return true;
  };
}
