import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed search attributes of SPEC §4, so the Temporal UI can filter by connection, order and status. */
export const ConnectionIdKey = defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD);
export const SpartooOrderIdKey = defineSearchAttributeKey('SpartooOrderId', SearchAttributeType.KEYWORD);
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [ConnectionIdKey, SpartooOrderIdKey, OrderStatusKey];
