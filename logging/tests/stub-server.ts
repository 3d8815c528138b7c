import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}
export interface StubAnswer {
  status: number;
  body?: unknown;
}
export type Responder = (request: RecordedRequest, index: number) => StubAnswer;

/**
 * A small HTTP server on 127.0.0.1 that records every request and answers what
 * the test tells it to: the stand-in for Elasticsearch and Kibana when what is
 * tested is a script's or a prober's handling of their answers.
 */
export class StubServer {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  responder: Responder = () => ({ status: 200, body: {} });

  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const answer = this.responder(recorded, this.requests.length - 1);
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  reset(responder: Responder): void {
    this.requests.length = 0;
    this.responder = responder;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
