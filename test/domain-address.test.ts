import { describe, expect, it } from 'vitest';
import {
  addressImportError,
  billingAddress,
  isRelayDelivery,
  shippingAddress,
  validateAddressForImport,
} from '../domain/address';
import type { Address } from '../domain/types';
import type { SpartooCustomer, SpartooDelivery, SpartooRelayInfo } from '../spartoo/types';

const customers: SpartooCustomer = {
  firstname: ' Marie ',
  lastname: 'Curie',
  company: 'Radium SARL',
  streetAddress: '1 rue Pierre et Marie Curie',
  suburb: 'Quartier Latin',
  city: 'Paris',
  postcode: '75005',
  state: 'Île-de-France',
  country: 'FR',
  email: ' marie@example.com ',
  telephone: '+33 1 23 45 67 89',
};

const delivery: SpartooDelivery = {
  firstname: 'Pierre',
  lastname: ' Curie ',
  company: '',
  streetAddress: '12 avenue des Sciences',
  suburb: 'Bât. B',
  city: 'Lyon',
  postcode: '69001',
  state: 'Rhône',
  country: 'FR',
};

const relayInfo: SpartooRelayInfo = {
  relayId: ' 024585 ',
  relayType: 'MR',
  relayName: 'Tabac du Centre',
  relayAddress: '3 place Bellecour',
  relayCity: 'Lyon',
  relayPostcode: '69002',
  relayCountryIso: 'FR',
};

const home = { customers, delivery };
const relay = { customers, delivery: { ...delivery, relayInfo } };

const expectedBilling: Address = {
  firstName: 'Marie',
  lastName: 'Curie',
  company: 'Radium SARL',
  street: '1 rue Pierre et Marie Curie',
  suburb: 'Quartier Latin',
  city: 'Paris',
  postcode: '75005',
  state: 'Île-de-France',
  country: 'FR',
  email: 'marie@example.com',
  phone: '+33 1 23 45 67 89',
};

describe('billingAddress', () => {
  it('maps customers/*, trimmed, with email and phone', () => {
    expect(billingAddress(home)).toEqual(expectedBilling);
  });

  it('omits blank email and phone', () => {
    const address = billingAddress({ customers: { ...customers, email: ' ', telephone: '' }, delivery });
    expect(address).not.toHaveProperty('email');
    expect(address).not.toHaveProperty('phone');
  });

  it('turns missing tags into empty strings', () => {
    const partial = { customers: { lastname: 'Curie' } as SpartooCustomer, delivery };
    expect(billingAddress(partial)).toEqual({
      firstName: '',
      lastName: 'Curie',
      company: '',
      street: '',
      suburb: '',
      city: '',
      postcode: '',
      state: '',
      country: '',
    });
  });
});

describe('shippingAddress', () => {
  it('home delivery: delivery/*, contact from customers/*', () => {
    expect(shippingAddress(home, { useBillingAddressForShipping: false })).toEqual({
      firstName: 'Pierre',
      lastName: 'Curie',
      company: '',
      street: '12 avenue des Sciences',
      suburb: 'Bât. B',
      city: 'Lyon',
      postcode: '69001',
      state: 'Rhône',
      country: 'FR',
      email: 'marie@example.com',
      phone: '+33 1 23 45 67 89',
    });
  });

  it('relay point: relay_* as the address, relay_name as company, relay_id as relayPointId', () => {
    expect(isRelayDelivery(relay)).toBe(true);
    expect(shippingAddress(relay, { useBillingAddressForShipping: false })).toEqual({
      firstName: 'Pierre',
      lastName: 'Curie',
      company: 'Tabac du Centre',
      street: '3 place Bellecour',
      suburb: '',
      city: 'Lyon',
      postcode: '69002',
      state: '',
      country: 'FR',
      email: 'marie@example.com',
      phone: '+33 1 23 45 67 89',
      relayPointId: '024585',
    });
  });

  it('relay point without relay_country_iso falls back to delivery_country', () => {
    const order = {
      customers,
      delivery: { ...delivery, country: 'BE', relayInfo: { ...relayInfo, relayCountryIso: ' ' } },
    };
    expect(shippingAddress(order, { useBillingAddressForShipping: false }).country).toBe('BE');
  });

  it('relay_info without a relay_id is a home delivery', () => {
    const order = { customers, delivery: { ...delivery, relayInfo: { ...relayInfo, relayId: '  ' } } };
    expect(isRelayDelivery(order)).toBe(false);
    const address = shippingAddress(order, { useBillingAddressForShipping: false });
    expect(address.street).toBe('12 avenue des Sciences');
    expect(address).not.toHaveProperty('relayPointId');
  });

  it('home delivery has no relayPointId', () => {
    expect(isRelayDelivery(home)).toBe(false);
    expect(shippingAddress(home, { useBillingAddressForShipping: false })).not.toHaveProperty('relayPointId');
  });

  it('billing for shipping: the billing address, for home and relay deliveries alike', () => {
    expect(shippingAddress(home, { useBillingAddressForShipping: true })).toEqual(expectedBilling);
    const fromRelay = shippingAddress(relay, { useBillingAddressForShipping: true });
    expect(fromRelay).toEqual(expectedBilling);
    expect(fromRelay).not.toHaveProperty('relayPointId');
  });
});

describe('validateAddressForImport', () => {
  it('is empty for a complete address', () => {
    expect(validateAddressForImport(expectedBilling)).toEqual([]);
    expect(validateAddressForImport(shippingAddress(relay, { useBillingAddressForShipping: false }))).toEqual(
      [],
    );
  });

  it('lists each missing or blank required field, in a fixed order', () => {
    expect(validateAddressForImport({ ...expectedBilling, lastName: '' })).toEqual(['lastName']);
    expect(validateAddressForImport({ ...expectedBilling, street: '  ' })).toEqual(['street']);
    expect(validateAddressForImport({ ...expectedBilling, city: '' })).toEqual(['city']);
    expect(validateAddressForImport({ ...expectedBilling, postcode: '' })).toEqual(['postcode']);
    expect(validateAddressForImport({ ...expectedBilling, country: '' })).toEqual(['country']);
    expect(validateAddressForImport({ ...expectedBilling, country: '', lastName: '', city: '' })).toEqual([
      'lastName',
      'city',
      'country',
    ]);
  });

  it('does not require first name, company, suburb, state, email or phone', () => {
    const minimal: Address = {
      firstName: '',
      lastName: 'Curie',
      company: '',
      street: '1 rue',
      suburb: '',
      city: 'Paris',
      postcode: '75005',
      state: '',
      country: 'FR',
    };
    expect(validateAddressForImport(minimal)).toEqual([]);
  });

  it('tolerates fields missing at runtime', () => {
    expect(validateAddressForImport({ lastName: 'Curie' } as Address)).toEqual([
      'street',
      'city',
      'postcode',
      'country',
    ]);
  });

  it('flags a relay point delivery without relay address', () => {
    const order = { customers, delivery: { ...delivery, relayInfo: { ...relayInfo, relayAddress: '' } } };
    expect(validateAddressForImport(shippingAddress(order, { useBillingAddressForShipping: false }))).toEqual(
      ['street'],
    );
  });
});

describe('addressImportError', () => {
  it('is undefined when both addresses are complete', () => {
    expect(addressImportError({ billing: expectedBilling, shipping: expectedBilling })).toBeUndefined();
  });

  it('names the address and the missing fields', () => {
    expect(
      addressImportError({
        billing: expectedBilling,
        shipping: { ...expectedBilling, street: '', postcode: '' },
      }),
    ).toBe('Invalid shipping address: missing street, postcode');
    expect(
      addressImportError({
        billing: { ...expectedBilling, lastName: '' },
        shipping: { ...expectedBilling, country: '' },
      }),
    ).toBe('Invalid billing address: missing lastName; Invalid shipping address: missing country');
  });
});
