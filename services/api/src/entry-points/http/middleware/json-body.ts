import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../http-errors.js';

export const JSON_BODY_LIMIT = '16kb';
const JSON_TYPES = ['application/json', 'application/*+json'];

const requireJsonType: RequestHandler = (req, _res, next) => {
  // req.is() is null for a request without a body: that is not JSON either.
  next(req.is(JSON_TYPES) ? undefined : new UnsupportedMediaTypeError());
};

/** Route-level, so errors in parsing still carry the route's label. */
export const jsonBody: RequestHandler[] = [requireJsonType, express.json({ limit: JSON_BODY_LIMIT, strict: true, type: JSON_TYPES })];
