import crypto from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { errorBody, HttpError } from './errors';

/**
 * The HTTP server the gateway listens with. Node answers some requests before Express sees them — headers over
 * maxHeaderSize (431), unparseable requests (400), requests that exceed the header or request timeouts (408) — and by
 * default sends those without a body. Here they carry the API's JSON error format like every other error.
 * Timeouts bound slow clients (slowloris): the headers must arrive within HEADERS_TIMEOUT_MS and the whole request
 * within REQUEST_TIMEOUT_MS; event streams are responses, so they are not cut by either.
 */
export const HEADERS_TIMEOUT_MS = 20_000;
export const REQUEST_TIMEOUT_MS = 60_000;
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Node's default: 16 KiB of request line and headers. */
export const MAX_HEADER_SIZE = 16 * 1024;
/** Headers beyond this count are dropped by Node (never an error); no API header needs more. */
export const MAX_HEADERS_COUNT = 100;

function clientErrorAnswer(code: string | undefined): HttpError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(431, 'HEADERS_TOO_LARGE', `the request line and headers exceed ${MAX_HEADER_SIZE} bytes`);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return new HttpError(408, 'REQUEST_TIMEOUT', 'the request took too long to arrive');
    default:
      return new HttpError(400, 'BAD_REQUEST', 'the request is not valid HTTP');
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** Writes a JSON error on a socket whose request Node could not parse, then closes it. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, logger?: Logger): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(err.code);
  const requestId = crypto.randomUUID();
  const body = JSON.stringify(errorBody(answer, requestId));
  logger?.warn({ code: err.code, status: answer.status, requestId }, 'refused a request Node could not accept');
  socket.end(
    `HTTP/1.1 ${answer.status} ${REASONS[answer.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

export function createHttpServer(app: Express, logger?: Logger): http.Server {
  const server = http.createServer(
    { maxHeaderSize: MAX_HEADER_SIZE, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS },
    app,
  );
  server.maxHeadersCount = MAX_HEADERS_COUNT;
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => answerClientError(err, socket, logger));
  return server;
}
