import type { Router } from 'express';
import type { AppDeps } from '../http/create-app';
import type { OpenAPIRegistry } from '../http/openapi';

/** The staff API routers (auth, persons, …), mounted after the chat API. */
export function staffRouters(): ((deps: AppDeps, registry: OpenAPIRegistry) => Router)[] {
  return [];
}
