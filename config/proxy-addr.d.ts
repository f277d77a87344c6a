/** The part of proxy-addr (express's own dependency, untyped) that the controller uses. */
declare module 'proxy-addr' {
  import type { IncomingMessage } from 'node:http';

  type TrustFunction = (address: string, hop: number) => boolean;

  function proxyaddr(request: IncomingMessage, trust: TrustFunction): string | undefined;
  namespace proxyaddr {
    function compile(trusted: string | string[]): TrustFunction;
  }
  export = proxyaddr;
}
