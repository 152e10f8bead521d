declare module 'plugboard:connector/ratelimit@0.2.0' {
  /**
   * Wait until `cost` units are available in `bucket`.
   */
  export function acquire(bucket: string, cost: number): void;
}
