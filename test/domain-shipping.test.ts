import { describe, expect, it } from 'vitest';
import { canonicalShippingService, spartooShippingService, storeShippingMethod } from '../domain/shipping';
import { SPARTOO_SHIPPING_SERVICES } from '../domain/shipping-services';

describe('storeShippingMethod', () => {
  const map = { 'Livraison Standard': 'flat_rate', 'Point Relais': ' pickup_point ' };

  it('maps a known shipping_name', () => {
    expect(storeShippingMethod('Livraison Standard', map)).toBe('flat_rate');
  });

  it('matches keys case-insensitively and trimmed, and trims the mapped value', () => {
    expect(storeShippingMethod('  livraison STANDARD ', map)).toBe('flat_rate');
    expect(storeShippingMethod('POINT RELAIS', map)).toBe('pickup_point');
    expect(storeShippingMethod('Livraison Standard', { '  livraison standard  ': 'flat_rate' })).toBe(
      'flat_rate',
    );
  });

  it('imports unmapped names as-is (trimmed)', () => {
    expect(storeShippingMethod('Express 24h', map)).toBe('Express 24h');
    expect(storeShippingMethod(' Express 24h ', {})).toBe('Express 24h');
    expect(storeShippingMethod('Express 24h', undefined)).toBe('Express 24h');
  });

  it('keeps an empty shipping_name empty', () => {
    expect(storeShippingMethod('', map)).toBe('');
    expect(storeShippingMethod('  ', { '': 'x' })).toBe('');
  });

  it('ignores a blank mapped value', () => {
    expect(storeShippingMethod('Express', { Express: '  ' })).toBe('Express');
  });

  it('keys differing only by case: the exact spelling wins, else the smallest key', () => {
    const ambiguous = { 'point relais': 'b', 'Point Relais': 'a', 'POINT RELAIS': 'c' };
    expect(storeShippingMethod('Point Relais', ambiguous)).toBe('a');
    expect(storeShippingMethod('point relais', ambiguous)).toBe('b');
    // No exact spelling: 'POINT RELAIS' < 'Point Relais' < 'point relais' in code-unit order.
    expect(storeShippingMethod('pOINT rELAIS', ambiguous)).toBe('c');
    expect(storeShippingMethod('pOINT rELAIS', { 'point relais': 'b', 'Point Relais': 'a' })).toBe('a');
  });

  it('does not look at inherited properties', () => {
    expect(storeShippingMethod('constructor', {})).toBe('constructor');
    expect(storeShippingMethod('toString', map)).toBe('toString');
  });
});

describe('canonicalShippingService', () => {
  it('returns the canonical spelling of every allowed service, whatever the case', () => {
    for (const service of SPARTOO_SHIPPING_SERVICES) {
      expect(canonicalShippingService(service)).toBe(service);
      expect(canonicalShippingService(service.toUpperCase())).toBe(service);
      expect(canonicalShippingService(` ${service.toLowerCase()} `)).toBe(service);
    }
  });

  it('matches composed and decomposed accents', () => {
    expect(canonicalShippingService('colis prive\u0301')).toBe('Colis Privé');
  });

  it('is undefined for other names', () => {
    expect(canonicalShippingService('Colis Prive')).toBeUndefined();
    expect(canonicalShippingService('FedEx')).toBeUndefined();
    expect(canonicalShippingService('')).toBeUndefined();
    expect(canonicalShippingService('MondialRelay')).toBeUndefined();
  });
});

describe('spartooShippingService', () => {
  const settings = {
    shippingServiceMap: {
      'La Poste Colissimo Expert': 'Colissimo',
      'mr-24r': 'Mondial Relay',
      dpd_predict: 'DPD',
    },
    defaultShippingService: 'Chronopost' as const,
  };

  it('maps through shippingServiceMap, keys case-insensitive and trimmed', () => {
    expect(spartooShippingService('La Poste Colissimo Expert', settings)).toEqual({
      service: 'Colissimo',
      mapped: true,
    });
    expect(spartooShippingService('  MR-24R ', settings)).toEqual({ service: 'Mondial Relay', mapped: true });
    expect(spartooShippingService('DPD_PREDICT', settings)).toEqual({ service: 'DPD', mapped: true });
  });

  it('needs no entry for an allowed service name, any case, and returns the canonical spelling', () => {
    expect(spartooShippingService('ups', settings)).toEqual({ service: 'UPS', mapped: true });
    expect(spartooShippingService(' MONDIAL RELAY ', settings)).toEqual({
      service: 'Mondial Relay',
      mapped: true,
    });
    expect(spartooShippingService('colis privé', settings)).toEqual({ service: 'Colis Privé', mapped: true });
    expect(spartooShippingService('GLS', { defaultShippingService: 'Colissimo' })).toEqual({
      service: 'GLS',
      mapped: true,
    });
  });

  it('the map wins over a name match', () => {
    const s = { shippingServiceMap: { ups: 'DHL' }, defaultShippingService: 'Colissimo' as const };
    expect(spartooShippingService('UPS', s)).toEqual({ service: 'DHL', mapped: true });
  });

  it('a map value is canonicalised', () => {
    const s = { shippingServiceMap: { Mine: 'dhl' }, defaultShippingService: 'Colissimo' as const };
    expect(spartooShippingService('mine', s)).toEqual({ service: 'DHL', mapped: true });
  });

  it('a map value that is no allowed service is skipped', () => {
    const s = {
      shippingServiceMap: { UPS: 'FedEx', Mine: 'FedEx' },
      defaultShippingService: 'Colissimo' as const,
    };
    expect(spartooShippingService('UPS', s)).toEqual({ service: 'UPS', mapped: true });
    expect(spartooShippingService('Mine', s)).toEqual({ service: 'Colissimo', mapped: false });
  });

  it('falls back to the default, unmapped', () => {
    expect(spartooShippingService('FedEx', settings)).toEqual({ service: 'Chronopost', mapped: false });
    expect(spartooShippingService('Colissimo Expert', settings)).toEqual({
      service: 'Chronopost',
      mapped: false,
    });
  });

  it('falls back to the default for a missing or blank carrier', () => {
    for (const carrier of [undefined, null, '', '   ']) {
      expect(spartooShippingService(carrier, settings)).toEqual({ service: 'Chronopost', mapped: false });
    }
  });

  it('does not look at inherited properties of the map', () => {
    expect(
      spartooShippingService('constructor', { defaultShippingService: 'TNT', shippingServiceMap: {} }),
    ).toEqual({
      service: 'TNT',
      mapped: false,
    });
  });
});
