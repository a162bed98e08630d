import { startupBanner } from '../../src/app/banner';

describe('start-up banner', () => {
  it('names the web chat, the staff console and the staff API', () => {
    const text = startupBanner(3000);
    expect(text).toContain('http://localhost:3000/chat');
    expect(text).toContain('http://localhost:3000/console');
    expect(text).toContain('http://localhost:3000/api');
  });
});
