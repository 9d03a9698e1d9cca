import express, { type Express } from 'express';

/** Builds the Express application. Kept free of listening and process concerns so tests drive it with supertest. */
export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return app;
}
