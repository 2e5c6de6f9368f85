import { consumerName } from './consumer-name';

describe('consumerName', () => {
  it('defaults to the hostname alone, so a restarted consumer resumes its own pending entries', () => {
    expect(consumerName({}, 'billing-7f9c')).toBe('billing-7f9c');
  });

  it('takes CONSUMER_NAME when set', () => {
    expect(consumerName({ CONSUMER_NAME: 'billing-0' }, 'billing-7f9c')).toBe('billing-0');
  });

  it('treats an empty CONSUMER_NAME as unset, since a consumer needs a name', () => {
    expect(consumerName({ CONSUMER_NAME: '' }, 'billing-7f9c')).toBe('billing-7f9c');
  });
});
