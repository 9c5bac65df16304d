/** The complex.js methods the library uses (mathjs's Complex values are complex.js objects). */
export interface ComplexValue {
  re: number;
  im: number;
  add(x: ComplexValue | number): ComplexValue;
  sub(x: ComplexValue | number): ComplexValue;
  mul(x: ComplexValue | number): ComplexValue;
  div(x: ComplexValue | number): ComplexValue;
  exp(): ComplexValue;
  log(): ComplexValue;
  sqrt(): ComplexValue;
}

export type ComplexConstructor = new (re: number, im: number) => ComplexValue;
