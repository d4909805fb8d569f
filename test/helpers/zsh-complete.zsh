# zsh -f zsh-complete.zsh DIR LINE: the candidates zsh's completion system offers
# for LINE (cursor at its end), one per line, with DIR/_knobs on $fpath.
#
# An interactive zsh runs in a pseudo-terminal (zsh/zpty); LINE is typed, then
# TAB. compadd is wrapped to print each match it adds (after zsh's own matching,
# through compadd -A); compprefuncs/comppostfuncs print a marker before and after
# the completion so only its output is read, and the shell exits afterwards.
zmodload zsh/zpty
dir=$1
cat > $dir/init.zsh <<INIT
PROMPT=
fpath=($dir \$fpath)
autoload -U compinit && compinit -u -d $dir/zcompdump
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
mark() { print -r -- \$'\\x1e' }
compprefuncs=( mark )
comppostfuncs=( mark exit )
compadd() {
  # calls that only query (-O, -A, -D) pass through
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "\$@"; return; fi
  local -a hits
  builtin compadd -A hits "\$@"
  local h
  for h in \$hits; do print -r -- "HIT \$h"; done
}
bindkey '^I' complete-word
print READY
INIT
zpty z zsh -f -i
zpty -w z "source $dir/init.zsh"
while zpty -r z line; do [[ $line == READY* ]] && break; done
zpty -w -n z "$2"$'\t'
integer marks=0
while zpty -r z line; do
  if [[ $line == *$'\x1e'* ]]; then (( ++marks == 2 )) && break; continue; fi
  (( marks == 1 )) && [[ $line == HIT\ * ]] && print -r -- "${${line#HIT }%%$'\r'*}"
done
zpty -d z
