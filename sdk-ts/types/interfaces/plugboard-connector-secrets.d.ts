declare module 'plugboard:connector/secrets@0.2.0' {
  /**
   * Whether the instance has a value for the secret field `name`.
   */
  export function exists(name: string): boolean;
  /**
   * The raw value; needs the `secrets.reveal` grant, off by default.
   */
  export function reveal(name: string): string;
}
