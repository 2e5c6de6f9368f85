import type { Response } from 'express';

/**
 * Writes a JSON body in one piece, past Express's res.json/res.send (content-type parsing, Buffer copy,
 * ETag hashing of every page). Used by the hot read routes only; errors still go through the exception filter.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** The same, for a body that is JSON text already. */
export function sendJsonText(res: Response, status: number, json: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
