import { SuiteResources } from '../helpers/suite-resources';

/** Issue 9: a set-up that outlives its timed-out beforeAll must not leave servers open after afterAll. */
describe('suite resources', () => {
  it('closes what was started, last first, and closes what a late set-up starts after closeAll at once', async () => {
    const closed: string[] = [];
    const resources = new SuiteResources();
    const thing = (name: string) => ({ name, close: async () => void closed.push(name) });
    expect(resources.track(thing('database')).name).toBe('database');
    resources.track(thing('server'));
    resources.track({ name: 'channels' }, (c) => closed.push(`${c.name} stopped`));
    await resources.closeAll();
    expect(closed).toEqual(['channels stopped', 'server', 'database']);

    resources.track(thing('late server'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual(['channels stopped', 'server', 'database', 'late server']);
    await resources.closeAll();
    expect(closed).toHaveLength(4);
  });

  it('closes the rest when one close fails, and reports the failure', async () => {
    const closed: string[] = [];
    const resources = new SuiteResources();
    resources.track({ close: async () => void closed.push('first') });
    resources.track({ close: async () => Promise.reject(new Error('stuck')) });
    await expect(resources.closeAll()).rejects.toThrow('stuck');
    expect(closed).toEqual(['first']);
  });
});
