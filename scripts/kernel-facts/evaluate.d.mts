// Types for evaluate.mjs as the tests use it.
export function evaluate(expr: string, resolve: (name: string) => bigint | string | undefined): bigint | undefined;
