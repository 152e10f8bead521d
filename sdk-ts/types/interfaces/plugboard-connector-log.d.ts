declare module 'plugboard:connector/log@0.2.0' {
  /**
   * Emit one log line.
   */
  export function emit(level: Level, message: string): void;
  /**
   * Log level.
   * # Variants
   * 
   * ## `"trace"`
   * 
   * ## `"debug"`
   * 
   * ## `"info"`
   * 
   * ## `"warn"`
   * 
   * ## `"error"`
   */
  export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
}
