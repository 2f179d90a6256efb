import { randomBytes } from 'node:crypto';

/**
 * This process among the gateway's replicas: random, so that what it hands out and only it can
 * finish (a waiting call's requestState, a session's request to its client) says where it
 * belongs, and another replica can say so instead of failing silently.
 */
export const REPLICA_ID = randomBytes(6).toString('base64url');
