package comment

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Whose comment is ours: the token's own account by id, or the app's Bot by
// its "[bot]" login; never a login's text alone (issue 16, item 4).

func TestGitHubMine(t *testing.T) {
	t.Parallel()
	app := identity{login: "oz-app", id: 300}     // GraphQL's viewer of an installation token
	appNoID := identity{login: "oz-app"}          // the same, without databaseId
	appSuffixed := identity{login: "oz-app[bot]"} // some servers keep the "[bot]"
	pat := identity{login: "octocat", id: 1}      // a personal token
	cases := []struct {
		name string
		a    author
		me   identity
		want bool
	}{
		{"same id", author{login: "oz-app[bot]", id: 300, bot: true}, app, true},
		{"same id, login renamed since", author{login: "renamed[bot]", id: 300, bot: true}, app, true},
		{"Bot with the viewer's login and [bot]", author{login: "oz-app[bot]", id: 300, bot: true}, appNoID, true},
		{"Bot with [bot], any case", author{login: "OZ-App[BOT]", id: 7, bot: true}, appNoID, true},
		{"Bot, viewer already suffixed", author{login: "oz-app[bot]", id: 300, bot: true}, appSuffixed, true},
		{"User with the app's GraphQL login", author{login: "oz-app", id: 666}, app, false},
		{"User with the app's GraphQL login, no id known", author{login: "oz-app", id: 666}, appNoID, false},
		{"User whose login is the Bot's (a hostile answer)", author{login: "oz-app[bot]", id: 666}, appNoID, false},
		{"User with the suffixed viewer's login", author{login: "oz-app[bot]", id: 666}, appSuffixed, false},
		{"Bot without [bot]", author{login: "oz-app", id: 666, bot: true}, appNoID, false},
		{"another app's Bot", author{login: "other-app[bot]", id: 301, bot: true}, app, false},
		{"same login, different id", author{login: "octocat", id: 2}, pat, false},
		{"the personal token's own", author{login: "octocat", id: 1}, pat, true},
		{"no id on either side", author{login: "octocat"}, identity{login: "octocat"}, false},
		{"nobody", author{}, identity{}, false},
		{"unknown viewer", author{login: "[bot]", bot: true}, identity{}, false},
	}
	g := &githubForge{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, g.mine(tc.a, tc.me))
		})
	}
}

func TestGitLabMine(t *testing.T) {
	t.Parallel()
	me := identity{login: "project_7_bot_1", id: 77}
	cases := []struct {
		name string
		a    author
		me   identity
		want bool
	}{
		{"same id", author{login: "project_7_bot_1", id: 77}, me, true},
		{"same username, different id", author{login: "project_7_bot_1", id: 78}, me, false},
		{"same id, username changed", author{login: "renamed", id: 77}, me, true},
		{"no id known", author{login: "project_7_bot_1"}, identity{login: "project_7_bot_1"}, false},
	}
	g := &gitlabForge{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, g.mine(tc.a, tc.me))
		})
	}
}

// Against the fakes, through the real clients: which marked comment a
// re-run takes, and that an imposter's is left as it was.
func TestWhoseCommentIsTaken(t *testing.T) {
	t.Parallel()
	type earlier struct {
		login string
		id    int64
		bot   bool
	}
	cases := []struct {
		name   string
		forge  int // index in forges
		tune   func(f *fakeForge)
		author earlier
		taken  bool
		calls  []string
	}{
		{name: "same id", author: earlier{"github-actions[bot]", 41898282, true}, taken: true,
			calls: []string{"list", "graphql", "edit"}},
		{name: "User with the app's GraphQL login", author: earlier{"github-actions", 666, false},
			calls: []string{"list", "graphql", "create"}},
		{name: "User with the bot's REST login", author: earlier{"github-actions[bot]", 666, false},
			calls: []string{"list", "graphql", "create"}},
		{name: "Bot with [bot] login, viewer without id", author: earlier{"github-actions[bot]", 41898282, true}, taken: true,
			tune:  func(f *fakeForge) { f.GQLNoID = true },
			calls: []string{"list", "graphql", "user", "edit"}},
		{name: "User with the app's login, viewer without id", author: earlier{"github-actions", 41898282, false},
			tune:  func(f *fakeForge) { f.GQLNoID = true },
			calls: []string{"list", "graphql", "user", "create"}},
		{name: "viewer with [bot]: a User of that login", author: earlier{"github-actions[bot]", 666, false},
			tune:  func(f *fakeForge) { f.GQLBotSuffix = true },
			calls: []string{"list", "graphql", "create"}},
		{name: "personal token, same login different id", author: earlier{"octocat", 2, false},
			tune:  func(f *fakeForge) { f.SelfLogin, f.SelfID, f.SelfBot, f.UserFails = "octocat", 1, false, false },
			calls: []string{"list", "graphql", "create"}},
		{name: "personal token, id from GET /user", author: earlier{"octocat", 1, false}, taken: true,
			tune: func(f *fakeForge) {
				f.SelfLogin, f.SelfID, f.SelfBot, f.UserFails, f.GQLNoID = "octocat", 1, false, false, true
			},
			calls: []string{"list", "graphql", "user", "edit"}},
		{name: "GitLab same username, different id", forge: 2, author: earlier{"project_7_bot_1", 78, false},
			calls: []string{"list", "user", "create"}},
		{name: "GitLab same id", forge: 2, author: earlier{"project_7_bot_1", 77, false}, taken: true,
			calls: []string{"list", "user", "edit"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, env := forges[tc.forge].new(t)
			if tc.tune != nil {
				tc.tune(f)
			}
			m := mark(env, f.GitLab)
			old := m + "\nan earlier body"
			id := f.Add(tc.author.login, tc.author.id, tc.author.bot, old)
			h := newHarness(t, f, env, nil)
			h.finish("new")
			bodies := f.Bodies()
			assert.Equal(t, tc.calls, f.Calls())
			if tc.taken {
				assert.Equal(t, m+"\nnew", bodies[id], "ours is edited")
				assert.Len(t, bodies, 1, "nothing created")
			} else {
				assert.Equal(t, old, bodies[id], "someone else's is left as it was")
				require.Len(t, bodies, 2, "a new comment is written")
				for cid, b := range bodies {
					if cid != id {
						assert.Equal(t, m+"\nnew", b)
					}
				}
			}
			assert.Empty(t, h.warns.all())
		})
	}
}
