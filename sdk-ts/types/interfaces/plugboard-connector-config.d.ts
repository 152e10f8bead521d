declare module 'plugboard:connector/config@0.2.0' {
  /**
   * The value of setting `key`, or none when unset.
   */
  export function get(key: string): string | undefined;
}
