declare module 'plugboard:connector/http@0.2.0' {
  /**
   * Send a request and wait for the response.
   */
  export function send(req: Request): Response;
  /**
   * HTTP method.
   * # Variants
   * 
   * ## `"get"`
   * 
   * ## `"post"`
   * 
   * ## `"put"`
   * 
   * ## `"patch"`
   * 
   * ## `"delete"`
   */
  export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
  /**
   * A header whose value comes from an instance secret; the plugin names the
   * secret and never sees its value.
   */
  export interface SecretHeader {
    /**
     * Header name.
     */
    name: string,
    /**
     * Secret field name, as declared in the manifest.
     */
    secret: string,
    /**
     * Text placed before the secret value (e.g. `Bearer `).
     */
    prefix: string,
  }
  /**
   * An outgoing request. The host injects the bearer token for the auth
   * profile whose audience covers `url`, paces it through the rate bucket the
   * manifest assigns, and retries 429s and one 401 by itself.
   */
  export interface Request {
    method: Method,
    /**
     * Absolute URL as the plugin sees the upstream (the real origin).
     */
    url: string,
    /**
     * Plain headers. `Authorization` and `Cookie` are refused on brokered audiences.
     */
    headers: Array<[string, string]>,
    /**
     * Headers filled from instance secrets.
     */
    secretHeaders: Array<SecretHeader>,
    /**
     * Request body.
     */
    body?: Uint8Array,
  }
  /**
   * An upstream response (any status, including 4xx and 5xx).
   */
  export interface Response {
    status: number,
    /**
     * Every header, one entry per value in the order the upstream sent
     * them: a header repeated on several lines (such as `Link`) appears
     * once per line. Names are lower-case; `set-cookie` is never passed.
     */
    headers: Array<[string, string]>,
    body: Uint8Array,
    /**
     * The URL that answered, after any redirects the host followed, as
     * the plugin sees it (the real origin, never an operator route):
     * the base for relative links in the body or a `Link` header.
     */
    url: string,
  }
  /**
   * Why the host did not deliver a response.
   */
  export type HttpError = HttpErrorDenied | HttpErrorTimeout | HttpErrorNetwork | HttpErrorTooLarge | HttpErrorRateLimited | HttpErrorAuth | HttpErrorInvalid;
  /**
   * The request is outside the plugin's egress grant.
   */
  export interface HttpErrorDenied {
    tag: 'denied',
    val: string,
  }
  /**
   * The upstream did not answer in time.
   */
  export interface HttpErrorTimeout {
    tag: 'timeout',
  }
  /**
   * Connection, DNS or TLS failure.
   */
  export interface HttpErrorNetwork {
    tag: 'network',
    val: string,
  }
  /**
   * The response body exceeded the host's size cap.
   */
  export interface HttpErrorTooLarge {
    tag: 'too-large',
  }
  /**
   * Throttled and the host's bounded retries ran out.
   */
  export interface HttpErrorRateLimited {
    tag: 'rate-limited',
    val: string,
  }
  /**
   * The host could not obtain a token for the auth profile: the
   * instance's credentials are missing or the token endpoint refused
   * them. (A token endpoint that is down or hung is `network`.)
   */
  export interface HttpErrorAuth {
    tag: 'auth',
    val: string,
  }
  /**
   * The request itself is malformed (bad URL, bad header).
   */
  export interface HttpErrorInvalid {
    tag: 'invalid',
    val: string,
  }
}
