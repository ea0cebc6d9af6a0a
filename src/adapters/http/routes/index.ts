import type { RouteDef } from '../route.ts';
import getHealthz from './get-healthz.ts';
import postTenants from './post-tenants.ts';
import getTenants from './get-tenants.ts';
import getTenant from './get-tenant.ts';
import patchTenant from './patch-tenant.ts';
import postTenantRouteTest from './post-tenant-route-test.ts';
import postMessages from './post-messages.ts';
import getMessages from './get-messages.ts';
import getMessage from './get-message.ts';
import getCaptured from './get-captured.ts';
import postWebhooksMailgun from './post-webhooks-mailgun.ts';
import getSuppressions from './get-suppressions.ts';
import postSuppressions from './post-suppressions.ts';
import deleteSuppression from './delete-suppression.ts';
import postWebhookEndpoints from './post-webhook-endpoints.ts';
import getWebhookEndpoints from './get-webhook-endpoints.ts';
import patchWebhookEndpoint from './patch-webhook-endpoint.ts';
import deleteWebhookEndpoint from './delete-webhook-endpoint.ts';
import getWebhookDeliveries from './get-webhook-deliveries.ts';
import getReadyz from './get-readyz.ts';
import getMetrics from './get-metrics.ts';
import deleteGuest from './delete-guest.ts';

/** Every route, in the order the OpenAPI document lists them. */
export const ROUTES: readonly RouteDef[] = [
  getHealthz, getReadyz, getMetrics,
  postTenants, getTenants, getTenant, patchTenant, postTenantRouteTest,
  postMessages, getMessages, getMessage,
  getSuppressions, postSuppressions, deleteSuppression,
  postWebhookEndpoints, getWebhookEndpoints, patchWebhookEndpoint, deleteWebhookEndpoint, getWebhookDeliveries,
  postWebhooksMailgun,
  getCaptured,
  deleteGuest,
];

/** What a worker or smtp process serves on REBOUND_OPS_PORT. */
export const OPS_ROUTES: readonly RouteDef[] = [getHealthz, getReadyz, getMetrics];
